import PluginKit

/// The client's function tools and `tool_choice` (http.md §4.4, §4.5). Both endpoints accept
/// the chat form (`{type:"function",function:{name,…}}`) and the responses form
/// (`{type:"function",name,…}`). The gateway never runs them: they are offered to the model,
/// and calls come back to the client. Value type.
struct ClientTools: Sendable {
    struct Tool: Sendable {
        let name: String
        let description: String?
        let parameters: PluginJSON?
    }

    enum Choice: Sendable, Equatable {
        case auto
        case none
        case required
        case function(String)
    }

    let tools: [Tool]
    let choice: Choice

    /// Parses `tools`/`tool_choice`; problems are `invalid(<detail>)`, where chat prefixes
    /// `Invalid tools/tool_choice: ` and responses answer `invalid tool configuration`.
    init(tools: PluginJSON?, choice: PluginJSON?, invalid: (String) -> CompatError) throws(CompatError) {
        var parsed: [Tool] = []
        if let tools, !tools.isNull {
            guard let items = tools.arrayValue else { throw invalid("tools must be an array") }
            for item in items {
                guard item["type"]?.stringValue == "function" else { throw invalid("only function tools are supported") }
                let function = item["function"] ?? item
                guard let name = function["name"]?.stringValue, !name.isEmpty else { throw invalid("tool.function.name is required") }
                parsed.append(Tool(name: name, description: function["description"]?.stringValue, parameters: function["parameters"]))
            }
        }
        self.tools = parsed
        switch choice {
        case nil, .null?, .string("auto")?: self.choice = .auto
        case .string("none")?: self.choice = .none
        case .string("required")?: self.choice = .required
        case let value? where value["type"]?.stringValue == "allowed_tools":
            throw invalid("tool_choice allowed_tools is not supported")
        case let value? where value["type"]?.stringValue == "function":
            guard let name = (value["function"] ?? value)["name"]?.stringValue, parsed.contains(where: { $0.name == name }) else {
                throw invalid("tool_choice function must name one of the tools")
            }
            self.choice = .function(name)
        default:
            throw invalid("only function tools are supported")
        }
        if self.choice == .required && parsed.isEmpty { throw invalid("tool_choice required needs tools") }
    }

    /// The tools offered to the model: none for `none`, the pinned one for a function choice.
    var offered: [Tool] {
        switch choice {
        case .none: return []
        case .function(let name): return tools.filter { $0.name == name }
        case .auto, .required: return tools
        }
    }

    /// `clientTools` of `internal.agent.run`, in the OpenAI function-tool shape.
    var params: [PluginJSON] {
        offered.map { tool in
            let function = PluginJSON.fields(["name": .string(tool.name), "description": tool.description.map(PluginJSON.string), "parameters": tool.parameters])
            return .object(["type": .string("function"), "function": function])
        }
    }

    /// `toolChoice` for the upstream request: only the forcing choices need saying.
    var choiceParam: PluginJSON? {
        switch choice {
        case .required: return .string("required")
        case .function(let name): return .object(["type": .string("function"), "function": .object(["name": .string(name)])])
        case .auto, .none: return nil
        }
    }

    /// Whether the model must answer with a tool call (prose is then held back).
    var mustCall: Bool {
        switch choice {
        case .required, .function: return true
        case .auto, .none: return false
        }
    }

    /// The must-call line for the system prompt, if any.
    var instruction: String? {
        switch choice {
        case .required: return "You must call one of the available tools before answering."
        case .function(let name): return "You must call the tool `\(name)`."
        case .auto, .none: return nil
        }
    }

    /// The run met the tool choice: nothing was required, or a required call is present.
    func isSatisfied(by result: RunResult) -> Bool {
        guard mustCall else { return true }
        let names = Set(offered.map(\.name))
        return result.toolCalls.contains { names.contains($0.name) }
    }

    /// `502`, or an error frame once streaming: the model ignored a required tool.
    static let requiredToolMissing = CompatError.runFailure(status: 502, message: "Model did not call the required tool.")
}
