/// A complete HTTP response built by a handler. Value type, any thread.
///
/// The connection adds the headers every response carries (`Content-Length`,
/// `X-Content-Type-Options`, `Referrer-Policy`, optional HSTS, `Connection: close`).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `application/json; charset=utf-8` with `Cache-Control: no-store` (http.md §3.7).
    public static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")] + headers,
            body: value.serializedBytes())
    }

    /// `text/plain; charset=utf-8`.
    public static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers, body: Array(text.utf8))
    }

    /// The canonical host error `{"error":{"message","type"[,"code"]}}` (http.md §3.6).
    public static func error(_ status: Int, message: String, type: String, code: String? = nil, headers: [(String, String)] = []) -> HTTPResponse {
        var error: JSONObject = ["message": .string(message), "type": .string(type)]
        if let code { error["code"] = .string(code) }
        return .json(status, ["error": .object(error)], headers: headers)
    }

    /// `404 {"error":{"message":"Not Found","type":"not_found"}}`.
    public static let notFound = HTTPResponse.error(404, message: "Not Found", type: "not_found")
    /// `413` for a body over the route's limit.
    public static let payloadTooLarge = HTTPResponse.error(413, message: "Payload too large", type: "invalid_request_error")
    /// `408` for a body that arrived too slowly.
    public static let bodyTimeout = HTTPResponse.error(408, message: "Request body timeout", type: "invalid_request_error")

    /// Value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
