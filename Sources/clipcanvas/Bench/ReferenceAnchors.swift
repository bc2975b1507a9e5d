import ArgumentParser
import Foundation

/// The PyTorch reference's figures for our cases, read from the results folder that
/// `../shared/anchors/run_all.sh` (or one anchor script with `--json`) writes: `NAME.json` per
/// measurement and, for the method steps run under `/usr/bin/time -v`, `NAME.time` with the
/// process's peak memory. `bench --reference DIR` prints each case's ratio to it.
struct ReferenceAnchors {
    /// One reference measurement.
    struct Figure {
        /// What was measured (the anchor's file and, for `clip.json`, its entry).
        let source: String
        let medianMilliseconds: Double
        let peakMegabytes: Double?
        /// PyTorch's thread count when it was measured (`versions.torch_threads`), if recorded.
        let threads: Int?
    }

    let directory: URL

    /// Where each of our cases is measured on the reference side, most faithful first: a
    /// method step with diffvg's render when it was measured, else the step without a render
    /// (the reference then does less than ours, which renders). Cases with no like-for-like
    /// reference step (StyleCLIPDraw, the `--fast` presets, CLIP content) have none.
    private static let anchors: [String: [Anchor]] = {
        var table: [String: [Anchor]] = [
            "iter.clipdraw": [.step("cd_diffvg_frozen_init"), .step("cd_none_frozen", note: "no diffvg render")],
            "iter.clipasso": [.step("ca_diffvg_frozen_16"), .step("ca_none_frozen", note: "no diffvg render")],
            "iter.clipasso.single": [.step("ca_diffvg_frozen_16"), .step("ca_none_frozen", note: "no diffvg render")],
            "iter.clipstyler": [.step("st_vgg_frozen")],
            "iter.clipag": [.step("ag_frozen")],
            "rn101.fwd.b5": [.clip("RN101 b5 forward(no_grad)")],
            "rn101.fwdbwd.b5": [.clip("RN101 b5 forward+backward(to input)")],
        ]
        for batch in [1, 4, 8] {
            table["vitb32.fwd.b\(batch)"] = [.clip("ViT-B-32 b\(batch) forward(no_grad)")]
            table["vitb32.fwdbwd.b\(batch)"] = [.clip("ViT-B-32 b\(batch) forward+backward(to input)")]
        }
        return table
    }()

    private enum Anchor {
        /// A method step script's `NAME.json` (`parts.total`), and `NAME.time`.
        case step(String, note: String? = nil)
        /// An entry of `bench_clip.py`'s `clip.json`.
        case clip(String)
    }

    /// The folder, which must exist and hold at least one anchor result.
    init(directory path: String) throws {
        directory = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--reference \(path): no such folder (run ../shared/anchors/run_all.sh, which writes results/)")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard names.contains(where: { $0.hasSuffix(".json") }) else {
            throw ValidationError("--reference \(path): no anchor results (*.json) in it")
        }
    }

    /// The reference figure for `caseName`, if one was measured.
    func figure(for caseName: String) -> Figure? {
        for anchor in Self.anchors[caseName] ?? [] {
            switch anchor {
            case .step(let name, let note):
                guard let json = object(name + ".json"), let parts = json["parts"] as? [String: Any],
                    let total = parts["total"] as? [String: Any], let median = total["median_s"] as? Double
                else { continue }
                return Figure(
                    source: name + (note.map { ", \($0)" } ?? ""), medianMilliseconds: median * 1000, peakMegabytes: peak(name),
                    threads: threads(json))
            case .clip(let entry):
                guard let json = object("clip.json"), let entries = json["clip"] as? [String: Any],
                    let figure = entries[entry] as? [String: Any], let median = figure["median_s"] as? Double
                else { continue }
                return Figure(source: "clip.json: \(entry)", medianMilliseconds: median * 1000, peakMegabytes: nil, threads: threads(json))
            }
        }
        return nil
    }

    /// The sgemm rates (GFLOP/s) recorded with the reference, `torch.mm` first: to tell whether
    /// the machine still runs at the speed it ran at then.
    func sgemmRates() -> (torch: Double?, numpy: Double?) {
        guard let json = object("sgemm.json") else { return (nil, nil) }
        func rate(_ key: String) -> Double? { (json[key] as? [String: Any])?["gflops_median"] as? Double }
        return (rate("torch_mm"), rate("numpy"))
    }

    private func threads(_ json: [String: Any]) -> Int? { (json["versions"] as? [String: Any])?["torch_threads"] as? Int }

    private func object(_ file: String) -> [String: Any]? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(file)) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Peak resident memory from `/usr/bin/time -v`'s report, in MB.
    private func peak(_ name: String) -> Double? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(name + ".time"), encoding: .utf8) else { return nil }
        let marker = "Maximum resident set size (kbytes):"
        guard let line = text.split(separator: "\n").first(where: { $0.contains(marker) }),
            let kilobytes = Double(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces))
        else { return nil }
        return kilobytes / 1024
    }
}
