import XCTest

@testable import Host

final class PathCanonicalizerTests: XCTestCase {
    func key(_ raw: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        switch PathCanonicalizer.canonicalize(rawPath: raw) {
        case .success(let c): return c.matchKey
        case .failure(let e): XCTFail("\(raw): \(e)", file: file, line: line); return nil
        }
    }

    func error(_ raw: String) -> PathError? {
        if case .failure(let e) = PathCanonicalizer.canonicalize(rawPath: raw) { return e }
        return nil
    }

    func testSpecExamplesShareOneMatchKey() {
        for raw in ["/v1/models/openclaw%2Fdefault", "/V1/Models/openclaw/default/", "/v1//models/./openclaw%252Fdefault"] {
            XCTAssertEqual(key(raw), "/v1/models/openclaw/default", raw)
        }
    }

    func testCaseIsKeptInPath() throws {
        let c = try PathCanonicalizer.canonicalize(rawPath: "/UI/Assets/App.JS").get()
        XCTAssertEqual(c.path, "/UI/Assets/App.JS")
        XCTAssertEqual(c.matchKey, "/ui/assets/app.js")
        let unicode = try PathCanonicalizer.canonicalize(rawPath: "/Caf%C3%89").get()
        XCTAssertEqual(unicode.path, "/Caf\u{C9}")
        XCTAssertEqual(unicode.matchKey, "/caf\u{C9}", "only ASCII is lower-cased")
    }

    func testSecurityChecklistPaths() {
        // http.md §11 items 8 and 17.
        for raw in ["/API/v1/admin/rpc", "/api/v1/admin%2frpc", "/api/v1/admin%252frpc", "/api//v1/./admin/rpc/"] {
            XCTAssertEqual(key(raw), "/api/v1/admin/rpc", raw)
        }
        XCTAssertEqual(key("/..%2f..%2fetc/passwd"), "/etc/passwd")
        XCTAssertEqual(key("/%2e%2e/%2e%2e/etc/passwd"), "/etc/passwd")
    }

    func testDotSegments() {
        XCTAssertEqual(key("/"), "/")
        XCTAssertEqual(key(""), "/")
        XCTAssertEqual(key("//"), "/")
        XCTAssertEqual(key("/.."), "/")
        XCTAssertEqual(key("/../../.."), "/")
        XCTAssertEqual(key("/a/b/../c"), "/a/c")
        XCTAssertEqual(key("/a/./b/."), "/a/b")
        XCTAssertEqual(key("/a/b/.."), "/a")
        XCTAssertEqual(key("/a/..b/c"), "/a/..b/c")
        XCTAssertEqual(key("/a/.../c"), "/a/.../c")
        XCTAssertEqual(key("/a/%2E%2E/b"), "/b")
        XCTAssertEqual(key("/a/%252e%252e/b"), "/b")
    }

    func testDecodingPasses() {
        // 32 levels of encoding decode fine; 33 are still changing after pass 32.
        func encoded(_ levels: Int) -> String {
            "/a" + (levels == 0 ? "/" : "%" + String(repeating: "25", count: levels - 1) + "2F") + "b"
        }
        XCTAssertEqual(key(encoded(1)), "/a/b")
        XCTAssertEqual(key(encoded(32)), "/a/b")
        XCTAssertEqual(error(encoded(33)), .tooManyDecodePasses)
        XCTAssertEqual(PathError.tooManyDecodePasses.status, 400)
    }

    func testInvalidPercentEncoding() {
        for raw in ["/%zz", "/a%", "/a%2", "/a%2g", "/%%41", "/100%25"] {
            XCTAssertEqual(error(raw), .invalidPercentEncoding, raw)
        }
        XCTAssertEqual(PathError.invalidPercentEncoding.status, 400)
    }

    func testForbiddenBytesAndUTF8() {
        for raw in ["/a%00b", "/a%0Ab", "/a%0d", "/a%7F", "/a%5Cb", "/a\\b", "/a%255Cb", "/a\u{1}"] {
            XCTAssertEqual(error(raw), .forbiddenByte, raw)
        }
        for raw in ["/%FF", "/%C3", "/%C0%AF", "/%ED%A0%80"] {
            XCTAssertEqual(error(raw), .invalidUTF8, raw)
        }
        XCTAssertEqual(error("/a\u{80}"), nil, "U+0080 is UTF-8 and not an ASCII control byte")
    }

    func testLengthLimit() {
        let ok = "/" + String(repeating: "a", count: HTTPRequestHead.maxPathBytes - 1)
        XCTAssertEqual(key(ok), ok)
        XCTAssertEqual(error(ok + "a"), .tooLong)
        XCTAssertEqual(PathError.tooLong.status, 414)
    }

    func testByteInputMatchesStringInput() {
        let raw = "/V1//Models/%2e/x%252Fy/"
        let fromBytes = bytes(raw).withUnsafeBytes { PathCanonicalizer.canonicalize(rawPath: $0) }
        XCTAssertEqual(fromBytes, PathCanonicalizer.canonicalize(rawPath: raw))
    }

    func testFuzzCanonicalFormIsAFixedPoint() {
        // Random paths never crash, and a canonical path canonicalizes to itself (when it
        // holds no `%`, which would be decoded again): auth and routing see one stable form.
        var rng = SplitMix64(seed: 2024)
        let alphabet = bytes("/./%2e%2f%25aAzZ09-_~.%5c\\%00%C3%A9..//")
        for _ in 0..<4000 {
            let raw = (0..<Int(rng.next() % 60)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let result = raw.withUnsafeBytes { PathCanonicalizer.canonicalize(rawPath: $0) }
            guard case .success(let c) = result else { continue }
            XCTAssertTrue(c.path.hasPrefix("/"))
            XCTAssertFalse(c.path.contains("//"))
            XCTAssertFalse(c.path.split(separator: "/").contains { $0 == "." || $0 == ".." })
            XCTAssertEqual(c.matchKey.count, c.path.count)
            if !c.path.contains("%") {
                XCTAssertEqual(PathCanonicalizer.canonicalize(rawPath: c.path), .success(c))
            }
        }
    }
}
