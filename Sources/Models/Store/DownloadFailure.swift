import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ModelStore {
    /// Why a download failed, in a few words: Foundation's NSError descriptions repeat the URL
    /// several times and bury the cause; the user needs the cause and then the fix.
    static func downloadFailureReason(_ error: Error, url: URL) -> String {
        let host = url.host ?? url.absoluteString
        if let urlError = error as? URLError {
            switch urlError.code {
            case .notConnectedToInternet, .networkConnectionLost: return "no network connection"
            case .cannotFindHost, .dnsLookupFailed: return "cannot resolve \(host)"
            case .cannotConnectToHost: return "cannot connect to \(host)"
            case .timedOut: return "\(host) did not answer in time"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
                return "no secure connection to \(host)"
            default: return "network error \(urlError.code.rawValue) from \(host)"
            }
        }
        let nsError = error as NSError
        if nsError.domain == NSURLErrorDomain { return "network error \(nsError.code) from \(host)" }
        let first = String(describing: error).split(separator: "\n").first.map(String.init) ?? ""
        return first.count > 120 ? String(first.prefix(117)) + "…" : first
    }
}
