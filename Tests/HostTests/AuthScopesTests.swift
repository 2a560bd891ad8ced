import XCTest

@testable import Host

final class AuthScopesTests: XCTestCase {
    private let scopes = MethodScopes()

    func testScopeSetGrants() {
        let admin = OperatorScopeSet([.admin])
        for scope in OperatorScope.allCases { XCTAssertTrue(admin.grants(scope), scope.rawValue) }
        let write = OperatorScopeSet([.write])
        XCTAssertTrue(write.grants(.read))
        XCTAssertTrue(write.grants(.write))
        XCTAssertFalse(write.grants(.admin))
        XCTAssertFalse(write.grants(.approvals))
        XCTAssertFalse(OperatorScopeSet([.read]).grants(.write))
        XCTAssertFalse(OperatorScopeSet().grants(.read))
    }

    func testParsingDropsUnknownNames() {
        let parsed = OperatorScopeSet(commaList: " operator.read ,operator.bogus,,operator.talk.secrets")
        XCTAssertEqual(parsed, OperatorScopeSet([.read, .talkSecrets]))
        XCTAssertEqual(OperatorScopeSet(commaList: ""), OperatorScopeSet())
        XCTAssertEqual(OperatorScopeSet(commaList: "OPERATOR.ADMIN"), OperatorScopeSet(), "names are exact")
        XCTAssertEqual(OperatorScopeSet(names: ["operator.write", "admin"]), OperatorScopeSet([.write]))
        XCTAssertEqual(
            OperatorScopeSet.full.names,
            ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing", "operator.talk.secrets"])
    }

    func testClassificationSamples() {
        XCTAssertEqual(scopes.requiredScope(forMethod: "health"), .exempt)
        XCTAssertEqual(scopes.requiredScope(forMethod: "chat.history"), .scope(.read))
        XCTAssertEqual(scopes.requiredScope(forMethod: "chat.send"), .scope(.write))
        XCTAssertEqual(scopes.requiredScope(forMethod: "config.get"), .scope(.read))
        XCTAssertEqual(scopes.requiredScope(forMethod: "config.schema.lookup"), .scope(.read))
        XCTAssertEqual(scopes.requiredScope(forMethod: "config.patch"), .scope(.admin))
        XCTAssertEqual(scopes.requiredScope(forMethod: "config.schema"), .scope(.admin))
        XCTAssertEqual(scopes.requiredScope(forMethod: "exec.approvals.set"), .scope(.admin))
        XCTAssertEqual(scopes.requiredScope(forMethod: "wizard.start"), .scope(.admin))
        XCTAssertEqual(scopes.requiredScope(forMethod: "update.run"), .scope(.admin))
        XCTAssertEqual(scopes.requiredScope(forMethod: "exec.approval.resolve"), .scope(.approvals))
        XCTAssertEqual(scopes.requiredScope(forMethod: "plugin.approval.request"), .scope(.approvals))
        XCTAssertEqual(scopes.requiredScope(forMethod: "device.pair.approve"), .scope(.pairing))
        XCTAssertEqual(scopes.requiredScope(forMethod: "plugins.list"), .scope(.admin))
        XCTAssertEqual(scopes.requiredScope(forMethod: "no.such.method"), .scope(.admin))
        XCTAssertEqual(scopes.requiredScope(forMethod: "node.event"), .nodeRole)
        XCTAssertEqual(scopes.requiredScope(forMethod: "skills.bins"), .nodeRole)
    }

    func testAuthorize() {
        let write = OperatorScopeSet([.write])
        XCTAssertNil(scopes.authorize(method: "health", role: .operator, scopes: OperatorScopeSet()))
        XCTAssertNil(scopes.authorize(method: "chat.history", role: .operator, scopes: write))
        XCTAssertNil(scopes.authorize(method: "config.patch", role: .operator, scopes: OperatorScopeSet([.admin])))
        XCTAssertNil(scopes.authorize(method: "node.event", role: .node, scopes: OperatorScopeSet()))

        let missing = scopes.authorize(method: "config.patch", role: .operator, scopes: write)
        XCTAssertEqual(missing?.code, "FORBIDDEN")
        XCTAssertEqual(missing?.message, "missing scope: operator.admin")
        XCTAssertEqual(
            missing?.details,
            ["code": "MISSING_SCOPE", "missingScope": "operator.admin", "requiredScopes": ["operator.admin"]])
        XCTAssertEqual(
            scopes.authorize(method: "chat.history", role: .operator, scopes: OperatorScopeSet())?.message,
            "missing scope: operator.read")
        XCTAssertEqual(
            scopes.authorize(method: "unknown.method", role: .operator, scopes: write)?.missingScope, .admin)
    }

    func testRoleChecks() {
        let toOperator = scopes.authorize(method: "node.invoke.result", role: .operator, scopes: .full)
        XCTAssertEqual(toOperator?.message, "unauthorized role: operator")
        XCTAssertNil(toOperator?.details)
        XCTAssertEqual(
            scopes.authorize(method: "health", role: .node, scopes: OperatorScopeSet())?.message, "unauthorized role: node")
        XCTAssertEqual(scopes.authorize(method: "chat.send", role: .node, scopes: .full)?.code, "FORBIDDEN")
    }

    func testPluginDeclarations() throws {
        try scopes.register(method: "memory.search", scope: .read, owner: "memory")
        try scopes.register(method: "memory.reindex", scope: .admin, owner: "memory")
        XCTAssertEqual(scopes.requiredScope(forMethod: "memory.search"), .scope(.read))
        XCTAssertNil(scopes.authorize(method: "memory.search", role: .operator, scopes: OperatorScopeSet([.write])))
        XCTAssertEqual(
            scopes.authorize(method: "memory.reindex", role: .operator, scopes: OperatorScopeSet([.write]))?.missingScope, .admin)

        XCTAssertThrowsError(try scopes.register(method: "config.plugin", scope: .read, owner: "memory")) {
            XCTAssertEqual($0 as? MethodScopeRegistrationError, .reservedPrefix("config.plugin"))
        }
        XCTAssertNoThrow(try scopes.register(method: "config.plugin", scope: .admin, owner: "memory"))
        XCTAssertEqual(scopes.requiredScope(forMethod: "config.plugin"), .scope(.admin))
        XCTAssertThrowsError(try scopes.register(method: "chat.send", scope: .write, owner: "memory")) {
            XCTAssertEqual($0 as? MethodScopeRegistrationError, .reservedMethod("chat.send"))
        }
        XCTAssertThrowsError(try scopes.register(method: "x.y", scope: .pairing, owner: "memory")) {
            XCTAssertEqual($0 as? MethodScopeRegistrationError, .unsupportedScope(.pairing))
        }
        XCTAssertThrowsError(try scopes.register(method: "memory.search", scope: .read, owner: "other")) {
            XCTAssertEqual($0 as? MethodScopeRegistrationError, .alreadyRegistered(method: "memory.search", owner: "memory"))
        }
        scopes.removeAll(owner: "memory")
        XCTAssertEqual(scopes.requiredScope(forMethod: "memory.search"), .scope(.admin), "unregistered → default deny")
    }
}
