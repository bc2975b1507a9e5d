import Foundation
import TestSupport
import XCTest

/// The six-job batch on a real Slurm cluster of one node (this machine), submitted as the sample
/// array script: Tests/cluster/slurm_batch_test.sh starts slurmctld and slurmd, submits, waits
/// and stops them. It needs root and installs slurm-wlm, so it runs when asked:
/// `make slurm-test` (part of `make test`) sets CLIPCANVAS_SLURM_TEST=1.
final class SlurmArrayTests: TinyModelTestCase {
    func testTheSampleArrayScriptRunsTheSixJobBatchOnSlurm() throws {
        guard ProcessInfo.processInfo.environment["CLIPCANVAS_SLURM_TEST"] == "1" else {
            throw XCTSkip("the real Slurm run is `make slurm-test` (it starts Slurm daemons and needs root)")
        }
        let jobs = BatchJobs(directory: directory, weightsPath: weightsPath)
        try jobs.write()
        let out = path("out")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("cluster/slurm_batch_test.sh").path
        let started = Date()
        // Four array tasks for six jobs: tasks 0 and 1 run two jobs each, 2 and 3 one.
        let result = try ClipCanvasBinary.run(
            [script, jobs.jobsPath, out, "0-3"], environment: ["CLIPCANVAS": try ClipCanvasBinary.executable().path],
            launcher: ["/bin/bash"])
        print(result.stdout)
        print("the Slurm run took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for (index, id) in BatchJobs.ids.enumerated() {
            let record = try BatchJobs.record(out + "/\(id)/result.json")
            XCTAssertEqual(record["shard"] as? String, "\(index % 4)/4", "\(id) ran in the wrong array task")
            XCTAssertEqual(record["stopped"] as? String, "completed")
            let starts = try BatchJobs.events(out + "/\(id)/events.jsonl").filter { $0["event"] as? String == "start" }
            XCTAssertEqual(starts.count, 1, "\(id) ran more than once")
        }
    }
}
