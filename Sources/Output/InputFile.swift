import Foundation

/// Reading a whole input file, with the reason for a failure in the words a shell would use.
enum InputFile {
    static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            var isDirectory: ObjCBool = false
            let reason: String
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                reason = "no such file"
            } else if isDirectory.boolValue {
                reason = "is a directory, not a file"
            } else if !FileManager.default.isReadableFile(atPath: path) {
                reason = "permission denied"
            } else {
                reason = error.localizedDescription
            }
            throw OutputError(.unreadable, "cannot read: \(reason)", file: path)
        }
    }
}
