import Foundation
import Models
import XCTest

final class ModelStoreTests: XCTestCase {
    /// Published test vectors (FIPS 180-4 examples) and a multi-block input fed in odd pieces.
    func testSHA256KnownVectors() {
        func digest(_ text: String) -> String {
            var hasher = SHA256()
            hasher.update(Array(text.utf8))
            return hasher.finalize()
        }
        XCTAssertEqual(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var pieces = SHA256()
        let million = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        var offset = 0
        for size in [1, 63, 64, 65, 1000, 998_807] {
            pieces.update(Array(million[offset..<offset + size]))
            offset += size
        }
        XCTAssertEqual(pieces.finalize(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testKnownNamesResolveLeniently() {
        XCTAssertEqual(KnownModel.named("ViT-B/32")?.fileName, "ViT-B-32.pt")
        XCTAssertEqual(KnownModel.named("vit-b-32")?.name, "ViT-B/32")
        XCTAssertEqual(KnownModel.named("ViT-L-14-336px.pt")?.name, "ViT-L/14@336px")
        XCTAssertEqual(KnownModel.named("RN101")?.sha256, "8fa8567bab74a42d41c5915025a8e4538c3bdbe8804a470a72f30b0d94fab599")
        XCTAssertNil(KnownModel.named("ViT-H/14"))
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clipcanvas-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A file in OpenAI's cache is found without downloading; a path is taken as is; an unknown
    /// name is an error listing the known ones; a missing model without download permission says
    /// where to put the file.
    func testLocatesCachedFilesAndExplainsMissingOnes() throws {
        let home = try temporaryDirectory()
        let openAI = home.appendingPathComponent(".cache/clip")
        try FileManager.default.createDirectory(at: openAI, withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: openAI.appendingPathComponent("RN101.pt"))
        let store = ModelStore(environment: ["HOME": home.path])
        guard case .cached(let model, let url) = try store.locate("RN101") else { return XCTFail("not found in OpenAI's cache") }
        XCTAssertEqual(model.name, "RN101")
        XCTAssertEqual(url.path, openAI.appendingPathComponent("RN101.pt").path)
        guard case .file = try store.locate(url.path) else { return XCTFail("a path is a file") }
        XCTAssertThrowsError(try store.locate("ViT-H/14")) { error in
            XCTAssertTrue(String(describing: error).contains("ViT-B/32"), "\(error)")
        }
        XCTAssertThrowsError(try store.resolve("ViT-B/32", allowDownload: false)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("ViT-B-32.pt") && message.contains(".cache/clipcanvas"), message)
        }
    }

    /// The download path end to end over HTTP on loopback: progress reported, SHA-256 checked,
    /// file renamed into place; a wrong checksum leaves nothing behind.
    func testDownloadVerifiesChecksumOverLoopbackHTTP() throws {
        let served = try temporaryDirectory()
        let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        var hasher = SHA256()
        payload.withUnsafeBytes { hasher.update($0) }
        let digest = hasher.finalize()
        let modelDirectory = served.appendingPathComponent(digest)
        try FileManager.default.createDirectory(at: modelDirectory, withIntermediateDirectories: true)
        try payload.write(to: modelDirectory.appendingPathComponent("Tiny.pt"))
        let badDirectory = served.appendingPathComponent(String(repeating: "0", count: 64))
        try FileManager.default.createDirectory(at: badDirectory, withIntermediateDirectories: true)
        try payload.write(to: badDirectory.appendingPathComponent("Bad.pt"))

        guard let server = LoopbackHTTPServer(root: served) else { throw XCTSkip("python3 is needed to serve files on loopback") }
        defer { server.stop() }
        let good = KnownModel(name: "Tiny", url: server.url(path: "\(digest)/Tiny.pt"))
        let bad = KnownModel(name: "Bad", url: server.url(path: "\(String(repeating: "0", count: 64))/Bad.pt"))
        let cache = try temporaryDirectory()
        let store = ModelStore(environment: ["HOME": cache.path, "CLIPCANVAS_CACHE": cache.path], knownModels: [good, bad])

        var reported: Int64 = 0
        let file = try store.resolve("Tiny") { written, _ in reported = written }
        XCTAssertEqual(try Data(contentsOf: file), payload)
        XCTAssertEqual(reported, Int64(payload.count))
        XCTAssertThrowsError(try store.resolve("Bad")) { error in
            XCTAssertTrue(String(describing: error).contains("SHA-256"), "\(error)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        XCTAssertEqual(left, ["Tiny.pt"], "no partial or corrupt file remains")
    }
}

/// `python3 -m http.server` bound to 127.0.0.1 on a free port, for the download test.
final class LoopbackHTTPServer {
    private let process = Process()
    let port: Int

    init?(root: URL) {
        port = Int.random(in: 20_000..<60_000)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", root.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        // Wait until it accepts connections (bounded: 10 s).
        for _ in 0..<100 {
            if (try? Data(contentsOf: url(path: ""))) != nil { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        return nil
    }

    func url(path: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(path)")! }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
