import Foundation

/// Where `torchvision.models.*(pretrained=True)` leaves its weights: torch.hub's checkpoint
/// folder, as torch resolves it: $TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch;
/// then hub/checkpoints. We read torchvision's VGG files from there and never download them.
public enum TorchHubCache {
    public static var checkpointFolder: String {
        let environment = ProcessInfo.processInfo.environment
        let torchHome =
            environment["TORCH_HOME"]
            ?? ((environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")) as NSString)
            .appendingPathComponent("torch")
        return (torchHome as NSString).appendingPathComponent("hub/checkpoints")
    }

    /// The path of `file` in the checkpoint folder, if it is there.
    public static func checkpoint(named file: String) -> String? {
        let path = (checkpointFolder as NSString).appendingPathComponent(file)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
