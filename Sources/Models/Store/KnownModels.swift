import Foundation

/// OpenAI's released CLIP checkpoints (docs/models.md). The SHA-256 of each file is the
/// second-to-last component of its URL, as OpenAI's own loader verifies it.
public struct KnownModel: Sendable {
    public let name: String
    public let url: URL

    public init(name: String, url: URL) {
        self.name = name
        self.url = url
    }

    public var fileName: String { url.lastPathComponent }
    public var sha256: String { url.deletingLastPathComponent().lastPathComponent }

    public static let all: [KnownModel] = [
        ("RN50", "afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762/RN50.pt"),
        ("RN101", "8fa8567bab74a42d41c5915025a8e4538c3bdbe8804a470a72f30b0d94fab599/RN101.pt"),
        ("RN50x4", "7e526bd135e493cef0776de27d5f42653e6b4c8bf9e0f653bb11773263205fdd/RN50x4.pt"),
        ("RN50x16", "52378b407f34354e150460fe41077663dd5b39c54cd0bfd2b27167a4a06ec9aa/RN50x16.pt"),
        ("RN50x64", "be1cfb55d75a9666199fb2206c106743da0f6468c9d327f3e0d0a543a9919d9c/RN50x64.pt"),
        ("ViT-B/32", "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt"),
        ("ViT-B/16", "5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f/ViT-B-16.pt"),
        ("ViT-L/14", "b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836/ViT-L-14.pt"),
        ("ViT-L/14@336px", "3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02/ViT-L-14-336px.pt"),
    ].map { KnownModel(name: $0.0, url: URL(string: "https://openaipublic.azureedge.net/clip/models/" + $0.1)!) }

    /// Looks a name up leniently: "ViT-B/32", "ViT-B-32", "vit-b-32" and "ViT-B-32.pt" all match.
    public static func named(_ text: String) -> KnownModel? {
        let wanted = canonical(text)
        return all.first { canonical($0.name) == wanted || canonical($0.fileName) == wanted }
    }

    private static func canonical(_ text: String) -> String {
        var lowered = text.lowercased()
        if lowered.hasSuffix(".pt") { lowered.removeLast(3) }
        return lowered.replacingOccurrences(of: "/", with: "-")
    }
}
