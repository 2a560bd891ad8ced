import PluginKit

/// Inline media of a request (http.md §4.4 images, §4.5 files, §11 rule 5): only base64 data
/// the client sent along is accepted. v1 has no guarded fetcher, so any URL the gateway would
/// have to fetch (`http:`, `https:`, anything but `data:`) is refused. Value type.
struct InlineMedia: Sendable {
    let mimeType: String
    /// Base64 as received (the host decodes again where it needs bytes).
    let base64: String
    let bytes: [UInt8]

    static let imageTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp"]
    static let textFileTypes: Set<String> = ["text/plain", "text/markdown", "text/html", "text/csv", "application/json"]

    /// A `data:<mime>;base64,<data>` URI; `nil` for remote URLs, non-base64 data URIs and
    /// undecodable data.
    init?(dataURI: String) {
        guard dataURI.lowercased().hasPrefix("data:"), let comma = dataURI.firstIndex(of: ",") else { return nil }
        let header = dataURI[dataURI.index(dataURI.startIndex, offsetBy: 5)..<comma].lowercased()
        let parts = header.split(separator: ";").map { String($0).trimmingSpaces }
        guard parts.last == "base64", let mime = parts.first, mime != "base64" else { return nil }
        self.init(mimeType: mime, base64: String(dataURI[dataURI.index(after: comma)...]))
    }

    /// Raw base64 with a stated type.
    init?(mimeType: String, base64: String) {
        guard let bytes = Base64.decode(base64) else { return nil }
        self.mimeType = mimeType.lowercased().split(separator: ";").first.map { String($0).trimmingSpaces } ?? ""
        self.base64 = base64
        self.bytes = bytes
    }

    var isImage: Bool { InlineMedia.imageTypes.contains(mimeType == "image/jpg" ? "image/jpeg" : mimeType) }

    /// The `images[]` entry of `internal.agent.run`.
    var imageParam: PluginJSON {
        .object(["type": .string("image"), "data": .string(base64), "mimeType": .string(mimeType)])
    }

    /// Collects images under the request's limits; every problem is `error`.
    struct ImageSet {
        private(set) var images: [InlineMedia] = []
        private var total = 0
        let limits: CompatSettings.MediaLimits
        let error: CompatError

        init(limits: CompatSettings.MediaLimits, error: CompatError) {
            self.limits = limits
            self.error = error
        }

        mutating func add(_ media: InlineMedia?) throws(CompatError) {
            guard let media, media.isImage, media.bytes.count <= limits.maxImageBytes,
                  images.count < limits.maxImageParts, total + media.bytes.count <= limits.maxTotalImageBytes
            else { throw error }
            total += media.bytes.count
            images.append(media)
        }

        var params: [PluginJSON] { images.map(\.imageParam) }
    }
}
