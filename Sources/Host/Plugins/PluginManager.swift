import Dispatch
import Glibc
import PluginABI
import Synchronization

/// The plugin platform's entry point: discovers, loads, re-initialises, reloads and retires
/// plugins (plugin-abi.md §6), publishing their routes to the gateway and their methods to
/// the shared registry. Load failures never stop the gateway: the plugin becomes `failed`
/// with a §7.1 message and a previous instance, if any, keeps serving. A plugin that crashed
/// the gateway twice within 10 minutes (`PluginCrashLog`) stays `disabled` with reason
/// `crashed` until `plugins.reload {id}` or a config change disabling it clears its records.
/// With `plugins.watch` on, changed library files are reloaded as by `plugins.reload`.
///
/// Thread-safety: every public method may be called from any thread except an event-loop
/// thread (they block on file I/O and plugin init); lifecycle operations are serialized.
public final class PluginManager: Sendable {
    private let services: any PluginHostServices
    private let discovery: PluginDiscovery
    private let tempDirectory: PluginTempDirectory
    private let crashLog: PluginCrashLog?
    private let watch = PluginLibraryWatch()
    /// Serializes lifecycle operations (load, re-init, reload, retire).
    private let operation = Mutex(())
    /// The thread `plugins.reload` runs on: its own, so a reload never queues behind other
    /// work handed to Dispatch (method calls, cancel notices, timers).
    static let control = WorkerPool(coreThreads: 1, maxThreads: 1)
    private let slots = Mutex<[(key: String, slot: PluginSlot)]>([])
    private let settings = Mutex(PluginSettings())
    private let ready = Atomic<Bool>(false)

    /// `crashLog`: the records of earlier crashes (nil: crash loops are not tracked).
    init(services: any PluginHostServices, discovery: PluginDiscovery, tempDirectory: PluginTempDirectory, crashLog: PluginCrashLog? = nil) {
        self.services = services
        self.discovery = discovery
        self.tempDirectory = tempDirectory
        self.crashLog = crashLog
    }

    /// True once `loadAll` finished: every enabled plugin passed or failed init (readiness).
    public var isReady: Bool { ready.load(ordering: .acquiring) }

    /// Startup: discovers every plugin and loads the enabled ones with `config` (the whole
    /// config snapshot). Returns the resulting statuses; failures are logged.
    @discardableResult
    public func loadAll(config: JSONValue) -> [PluginSummary] {
        operation.withLock { _ in
            let current = PluginSettings(config: config)
            settings.withLock { $0 = current }
            for candidate in discovery.discover(loadPaths: current.loadPaths) {
                let slot = slot(for: candidate.key)
                switch candidate.manifest {
                case .failure(let error):
                    slot.withServing { s in
                        s.directory = candidate.directory
                        s.enabled = true
                        s.state = .failed
                        s.reason = error.message
                    }
                    services.logger.error("plugins", error.message)
                case .success(let manifest):
                    slot.withServing { s in
                        s.manifest = manifest
                        s.bundled = candidate.bundled
                        s.directory = candidate.directory
                    }
                    apply(slot, config: config, settings: current, binaryReload: false)
                }
            }
            for unknown in current.entries.keys where lookup(unknown) == nil {
                services.logger.warn("plugins", "plugins.entries.\(unknown): no such plugin")
            }
            refreshWatch(current)
            ready.store(true, ordering: .releasing)
        }
        return list()
    }

    /// Hot config change (plugin-abi.md §6.4): loads, re-initialises or retires each plugin
    /// whose enablement, entry or visible config sections changed. Restart-class keys
    /// (`plugins.enabled`, `allow`, `deny`, `load.*`) are the gateway's business.
    public func applyConfig(_ config: JSONValue) {
        operation.withLock { _ in
            let current = PluginSettings(config: config)
            settings.withLock { $0 = current }
            for (_, slot) in slots.withLock({ $0 }) where slot.withServing({ $0.manifest != nil }) {
                apply(slot, config: config, settings: current, binaryReload: false)
            }
            refreshWatch(current)
        }
    }

    /// Binary hot reload (plugin-abi.md §6.5): maps the library again (re-reading an external
    /// manifest), inits the new copy, swaps it in and drains the old instance. `swapped` runs
    /// once the new instance serves and before the old one is retired (still inside the
    /// lifecycle lock): `plugins.reload` answers there, so its latency excludes the drain's
    /// hand-off to the reaper and a C image's `dlclose`. Returns after the retire either way.
    /// Also the operator's way to re-enable a plugin disabled for crashing: its records are dropped.
    public func reload(id: String, swapped: (() -> Void)? = nil) throws(PluginLoadError) {
        let result: PluginLoadError? = operation.withLock { _ in
            guard let slot = lookup(id), slot.withServing({ $0.manifest != nil }) else {
                return PluginLoadError("plugin \(id): not found")
            }
            if crashLog?.clear(id) == true { services.logger.info("plugins", "plugin \(id): crash records cleared by reload") }
            defer { refreshWatch(settings.withLock { $0 }) }
            let (bundled, directory, pinnedReloads, pinned) = slot.withServing { ($0.bundled, $0.directory, $0.pinnedReloads, $0.image?.pinned ?? false) }
            if pinned && pinnedReloads >= settings.withLock({ $0.maxPinnedReloads }) {
                return PluginLoadError("plugin \(id): restart required (plugins.maxPinnedReloads reached)")
            }
            if !bundled {
                do throws(PluginLoadError) {
                    let fresh = try PluginManifest.load(directory: directory, hostToolchain: discovery.hostToolchain)
                    guard fresh.id == id else { return .idMismatch(id: id, library: fresh.id) }
                    slot.withServing { $0.manifest = fresh }
                } catch {
                    return error
                }
            }
            guard slot.withServing({ $0.enabled }) else { return PluginLoadError("plugin \(id): disabled") }
            return apply(slot, config: services.configSnapshot(), settings: settings.withLock { $0 }, binaryReload: true, swapped: swapped)
        }
        if let result { throw result }
    }

    /// Every plugin's status, in discovery order.
    public func list() -> [PluginSummary] {
        slots.withLock { $0 }.map(\.slot.status)
    }

    /// Active plugins that declare channels (manifest `channels`), for `channels.status`.
    public func channelProviders() -> [(pluginId: String, channels: [PluginManifest.Channel])] {
        slots.withLock { $0 }.compactMap { entry in
            entry.slot.withServing { serving in
                guard serving.state == .active, let manifest = serving.manifest, !manifest.channels.isEmpty else { return nil }
                return (manifest.id, manifest.channels)
            }
        }
    }

    /// `{plugins:[…]}` for the `plugins.list` method.
    public func listJSON() -> JSONValue {
        ["plugins": .array(list().map(\.json))]
    }

    /// Registers `plugins.list {}` and `plugins.reload {id}` in the shared registry. Both are
    /// unclassified, hence `operator.admin` (protocol.md §12.2). `plugins.reload` runs on the
    /// `control` thread and answers `{id, version, state}` or `UNAVAILABLE` with the §7.1 text.
    public func registerControlMethods() throws(MethodRegistrationError) {
        try services.methods.register("plugins.list", sync: { [self] _ in listJSON() })
        try services.methods.register("plugins.reload", handler: { [self] request, responder in
            guard let id = request.params?["id"]?.stringValue, !id.isEmpty else {
                responder.fail(.invalidRequest("plugins.reload: params.id is required"))
                return
            }
            PluginManager.control.submit { [self] in
                let answer = { [self] in
                    let row = list().first { $0.id == id }
                    responder.succeed(["id": .string(id), "version": .string(row?.version ?? ""), "state": .string(row?.state.rawValue ?? "")])
                }
                do throws(PluginLoadError) {
                    try reload(id: id, swapped: answer)
                    // Settings may have disabled it meanwhile: then nothing was swapped in.
                    if !responder.isFinished { answer() }
                } catch {
                    responder.fail(.unavailable(error.message))
                }
            }
        })
    }

    /// Delivers a host event (`gateway:startup`, `command:new`, …) to subscribed plugins,
    /// serially per plugin on its own queue. Any thread; does not wait.
    public func deliverEvent(_ name: String, payload: JSONValue) {
        let text = payload.serialized()
        for (_, slot) in slots.withLock({ $0 }) {
            guard let instance = slot.currentInstance else { continue }
            let handlers = instance.registrations.subscriptions.filter { $0.matches(name) }
            guard !handlers.isEmpty else { continue }
            slot.events.async {
                guard instance.acquire() == .admitted else { return }
                defer { instance.release() }
                for handler in handlers {
                    withOCString(name) { n in withOCString(text) { t in instance.callScope.enter { handler.handle.value(instance.context.pointer, n, t) } } }
                }
            }
        }
    }

    /// Gateway stop: unpublishes every plugin, cancels open replies, waits up to `timeoutMs`
    /// for instances to drain and shut down, then removes the temp directory. C images are
    /// unloaded; Swift images stay mapped until the process exits.
    public func shutdown(timeoutMs: Int = 3_000) {
        // A library rebuilt during the stop must not bring its plugin back.
        watch.update([:]) { _ in }
        operation.withLock { _ in
            // Queued event deliveries (`gateway:shutdown`) reach the plugins before they retire.
            let delivered = DispatchGroup()
            for (_, slot) in slots.withLock({ $0 }) { slot.events.async(group: delivered) {} }
            _ = delivered.wait(timeout: .now() + .milliseconds(timeoutMs))
            var retiring: [PluginInstance] = []
            for (_, slot) in slots.withLock({ $0 }) {
                if let instance = retire(slot, state: .retired, drainTimeoutMs: 0) { retiring.append(instance) }
            }
            for instance in retiring {
                for responder in PluginResponder.open(of: instance) { responder.cancel() }
            }
            let deadline = EventLoop.nowMs() + UInt64(timeoutMs)
            while retiring.contains(where: \.isDraining) && EventLoop.nowMs() < deadline { usleep(5_000) }
            PluginInstance.reaper.sync {}
            tempDirectory.remove()
        }
    }

    // MARK: Lifecycle (under `operation`)

    private func slot(for key: String) -> PluginSlot {
        slots.withLock { list in
            if let existing = list.first(where: { $0.key == key }) { return existing.slot }
            let slot = PluginSlot(id: key, registry: services.methods)
            list.append((key, slot))
            return slot
        }
    }

    private func lookup(_ key: String) -> PluginSlot? {
        slots.withLock { $0.first { $0.key == key }?.slot }
    }

    /// Brings one plugin in line with `settings`: retire, load, re-init or (binary) reload.
    /// Returns the load failure, if any (already logged and recorded).
    @discardableResult
    private func apply(
        _ slot: PluginSlot, config: JSONValue, settings: PluginSettings, binaryReload: Bool, swapped: (() -> Void)? = nil
    ) -> PluginLoadError? {
        guard let (manifest, bundled, previous, previousEntry, hasImage) = slot.withServing({ s in
            s.manifest.map { ($0, s.bundled, s.initInput, s.entry, s.image != nil) }
        }) else { return nil }
        let enabled = settings.isEnabled(manifest, bundled: bundled, config: config)
        slot.withServing { $0.enabled = enabled }
        guard enabled else {
            // Disabling is one of the operator's ways out of a crash loop (PluginCrashLog).
            crashLog?.clear(manifest.id)
            if retire(slot, state: .disabled, drainTimeoutMs: settings.drainTimeoutMs) == nil {
                // A failed plugin has only its 503 placeholders published.
                services.removeRoutes(owner: slot.id)
                slot.withServing { $0.state = .disabled }
            }
            slot.withServing { if $0.reason == PluginCrashLog.reason { $0.reason = nil } }
            return nil
        }
        if let crashes = crashLog?.crashLoop(manifest.id) {
            quarantine(slot, crashes: crashes, drainTimeoutMs: settings.drainTimeoutMs)
            return nil
        }
        if let refusal = HooksActivationRule.refusal(pluginID: manifest.id, config: config, gatewaySecrets: services.gatewaySecrets()) {
            // A running instance must not keep serving once its secret became unacceptable.
            _ = retire(slot, state: .failed, drainTimeoutMs: settings.drainTimeoutMs)
            return fail(slot, refusal)
        }
        let entry = settings.entry(manifest.id)
        let input: JSONValue
        do {
            input = try initInput(manifest, entry: entry, config: config)
        } catch {
            return fail(slot, error)
        }
        let unchanged = previous == input && previousEntry == entry && slot.currentInstance != nil
        if unchanged && !binaryReload { return nil }
        slot.withServing { s in
            if s.instance == nil { s.state = .loading }
        }
        do {
            try activate(slot, manifest: manifest, input: input, entry: entry, settings: settings, newImage: binaryReload || !hasImage, swapped: swapped)
            return nil
        } catch {
            return fail(slot, error)
        }
    }

    /// `{"config":…,"sections":{…}}` with the entry config validated and defaults applied.
    private func initInput(_ manifest: PluginManifest, entry: PluginSettings.Entry, config: JSONValue) throws(PluginLoadError) -> JSONValue {
        let validated: JSONValue
        do {
            validated = try PluginConfigSchema(manifest.configSchema).validate(entry.config, path: "plugins.entries.\(manifest.id).config")
        } catch {
            throw .configInvalid(id: manifest.id, error.description)
        }
        var sections = JSONObject()
        for path in manifest.configPaths { sections[path] = config.value(atPath: path) ?? .null }
        return ["config": validated, "sections": .object(sections)]
    }

    /// Steps 3–9 of §6.2: image (new or current), init against a staging registrar, publish
    /// routes and methods, swap, drain the old instance.
    private func activate(
        _ slot: PluginSlot, manifest: PluginManifest, input: JSONValue, entry: PluginSettings.Entry, settings: PluginSettings, newImage: Bool,
        swapped: (() -> Void)?
    ) throws(PluginLoadError) {
        let (oldImage, bundled) = slot.withServing { ($0.image, $0.bundled) }
        let image: PluginImage
        if newImage || oldImage == nil {
            let host = PluginHostContext(manifest: manifest, bundled: bundled, services: services, approvedGrants: entry.grants)
            image = try PluginImage.load(manifest, tempDirectory: tempDirectory, host: host)
        } else {
            image = oldImage!
            image.host.updateApprovedGrants(entry.grants)
        }
        let instance: PluginInstance
        do {
            instance = try initialize(image, input: input, entry: entry, config: services.configSnapshot())
            try publish(instance, in: slot)
        } catch {
            if image !== oldImage { image.supersede() }
            throw error
        }
        let old = slot.withServing { s -> PluginInstance? in
            let old = s.instance
            s.instance = instance
            s.image = image
            s.state = .active
            s.reason = nil
            s.initInput = input
            s.entry = entry
            if image !== oldImage, oldImage?.pinned == true { s.pinnedReloads += 1 }
            return old
        }
        swapped?()
        old?.retire(drainTimeoutMs: settings.drainTimeoutMs)
        if let oldImage, oldImage !== image { oldImage.supersede() }
        services.logger.info("plugins", "plugin \(manifest.id) active", [("version", .string(image.libraryVersion))])
    }

    /// Calls `init_instance` against a staging registrar; any refusal fails the init.
    private func initialize(_ image: PluginImage, input: JSONValue, entry: PluginSettings.Entry, config: JSONValue) throws(PluginLoadError) -> PluginInstance {
        let manifest = image.manifest
        let registrar = PluginRegistrar(manifest: manifest, config: config)
        var ctx: UnsafeMutableRawPointer?
        let code = withOCString(input.serialized()) { text in
            registrar.withRegistrar { reg in image.host.callScope.enter { image.table.init_instance!(image.host.api, text, reg, &ctx) } }
        }
        registrar.closed = true
        guard code == OC_OK else {
            throw registrar.refusal.map { PluginLoadError.registration(id: manifest.id, $0) } ?? .initFailed(id: manifest.id, code: code)
        }
        registrar.checkCompleteness()
        let instance = PluginInstance(image: image, context: PluginContextPointer(pointer: ctx), registrations: registrar.registrations, entry: entry)
        if let refusal = registrar.refusal {
            // init reported success although a registration was refused: it still owns a ctx.
            instance.retire(drainTimeoutMs: 0)
            throw .registration(id: manifest.id, refusal)
        }
        return instance
    }

    /// Publishes methods, events and routes of `instance`; all or nothing.
    private func publish(_ instance: PluginInstance, in slot: PluginSlot) throws(PluginLoadError) {
        let id = instance.pluginID
        let previous = slot.currentInstance
        do {
            try slot.methods.install(instance.registrations.methods)
        } catch {
            instance.retire(drainTimeoutMs: 0)
            throw error
        }
        let current = slot.currentProvider
        let routes = instance.registrations.routes.map { entry in
            Route(
                path: entry.path, match: entry.match, auth: entry.auth, surface: entry.surface, methods: entry.methods,
                requiredScope: entry.requiredScope, maxBodyBytes: entry.maxBodyBytes, timeoutMs: entry.timeoutMs ?? instance.requestTimeoutMs,
                owner: id, handler: PluginRouteHandler(instance: instance, entry: entry, current: current))
        }
        do {
            try services.installRoutes(owner: id, routes: routes)
        } catch {
            try? slot.methods.install(previous?.registrations.methods ?? [])
            instance.retire(drainTimeoutMs: 0)
            throw .registration(id: id, error.message)
        }
        for event in instance.image.manifest.emits { services.methods.registerEvent("plugin.\(id).\(event.name)", owner: id) }
    }

    /// Unpublishes the plugin and drains its instance; returns it (for shutdown waits).
    private func retire(_ slot: PluginSlot, state: PluginState, drainTimeoutMs: Int) -> PluginInstance? {
        let (instance, image) = slot.withServing { s -> (PluginInstance?, PluginImage?) in
            defer {
                s.instance = nil
                s.image = nil
                s.initInput = nil
                s.entry = nil
                if s.state != .failed || state == .retired { s.state = state }
            }
            return (s.instance, s.image)
        }
        guard let instance else { return nil }
        services.removeRoutes(owner: slot.id)
        slot.methods.removeAll()
        instance.retire(drainTimeoutMs: drainTimeoutMs)
        image?.supersede()
        services.logger.info("plugins", "plugin \(slot.id) \(state.rawValue)")
        return instance
    }

    /// Keeps a plugin in a crash loop unloaded: `disabled`, reason `crashed`, no routes.
    private func quarantine(_ slot: PluginSlot, crashes: [PluginCrashLog.Record], drainTimeoutMs: Int) {
        _ = retire(slot, state: .disabled, drainTimeoutMs: drainTimeoutMs)
        services.removeRoutes(owner: slot.id)
        let first = slot.withServing { s -> Bool in
            defer {
                s.state = .disabled
                s.reason = PluginCrashLog.reason
            }
            return s.reason != PluginCrashLog.reason
        }
        guard first else { return }
        let what = crashes.map { "\($0.signal) at \($0.timeMs)" }.joined(separator: ", ")
        services.logger.error(
            "plugins", "plugin \(slot.id) disabled: it crashed the gateway twice within 10 minutes (\(what)); "
                + "after fixing it run `openclaw plugins reload \(slot.id)`")
    }

    /// `plugins.watch`: the library files of enabled, non-bundled plugins that are not held
    /// back by a crash loop; none when the key is off.
    private func refreshWatch(_ settings: PluginSettings) {
        var libraries: [String: String] = [:]
        if settings.watch {
            for (_, slot) in slots.withLock({ $0 }) {
                slot.withServing { s in
                    guard let manifest = s.manifest, !s.bundled, s.enabled, s.reason != PluginCrashLog.reason else { return }
                    libraries[manifest.libraryPath] = manifest.id
                }
            }
        }
        watch.update(libraries) { [weak self] id in self?.reloadOnWatch(id) }
    }

    /// A watched library changed: the `plugins.reload` path; a failure keeps the old instance.
    private func reloadOnWatch(_ id: String) {
        do throws(PluginLoadError) {
            try reload(id: id)
            services.logger.info("plugins", "plugins.watch: reloaded \(id)")
        } catch {
            services.logger.warn("plugins", "plugins.watch: reload of \(id) failed, previous instance kept: \(error.message)")
        }
    }

    private func fail(_ slot: PluginSlot, _ error: PluginLoadError) -> PluginLoadError {
        let manifest = slot.withServing { s -> PluginManifest? in
            s.reason = error.message
            // A previous instance keeps serving; the failure is still reported.
            s.state = s.instance == nil ? .failed : .active
            return s.instance == nil ? s.manifest : nil
        }
        if let manifest {
            // Declared routes answer 503 rather than 404 while the plugin is broken; a route
            // another owner holds stays theirs.
            try? services.installRoutes(owner: slot.id, routes: PluginPlaceholderRoute.unavailableRoutes(for: manifest, config: services.configSnapshot()))
        }
        services.logger.error("plugins", error.message)
        return error
    }
}
