/// One file ready to send: bytes, media type and a weak validator. Value type.
struct Asset: Sendable {
    let bytes: [UInt8]
    let contentType: String
    /// Weak `ETag` (http.md §10.1): size plus mtime for disk files, size plus a content hash
    /// for embedded ones.
    let etag: String

    /// The placeholder `index.html` carries wherever the base path belongs (the CSP forbids
    /// `<base>`, so absolute asset URLs are rewritten instead).
    static let basePlaceholder = Array("__OPENCLAW_BASE__".utf8)

    /// `index.html` with the base path in place of every placeholder, HTML-escaped because it
    /// lands in attribute values.
    static func renderIndex(_ template: [UInt8], basePath: String) -> [UInt8] {
        var escaped: [UInt8] = []
        for byte in basePath.utf8 {
            switch byte {
            case UInt8(ascii: "&"): escaped += Array("&amp;".utf8)
            case UInt8(ascii: "<"): escaped += Array("&lt;".utf8)
            case UInt8(ascii: ">"): escaped += Array("&gt;".utf8)
            case UInt8(ascii: "\""): escaped += Array("&quot;".utf8)
            case UInt8(ascii: "'"): escaped += Array("&#39;".utf8)
            default: escaped.append(byte)
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(template.count)
        var index = 0
        while index < template.count {
            if template[index] == basePlaceholder[0], template[index...].starts(with: basePlaceholder) {
                out += escaped
                index += basePlaceholder.count
            } else {
                out.append(template[index])
                index += 1
            }
        }
        return out
    }

    /// Media type by extension (case-insensitive); text types say `charset=utf-8`.
    static func contentType(for name: String) -> String {
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { name[name.index(after: $0)...].lowercased() } ?? ""
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json", "map": return "application/json; charset=utf-8"
        case "webmanifest": return "application/manifest+json; charset=utf-8"
        case "svg": return "image/svg+xml; charset=utf-8"
        case "txt": return "text/plain; charset=utf-8"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff": return "font/woff"
        case "woff2": return "font/woff2"
        case "ttf": return "font/ttf"
        case "wasm": return "application/wasm"
        default: return "application/octet-stream"
        }
    }
}
