import CiblageSupport
import ControlQueue
import Foundation
import Hummingbird
import Workflows

/// The pages, in French, rendered on the server. Forms post back with the session's CSRF token;
/// every refusal of a form names the field and why, on the same page.
struct PageRoutes {
    let state: ServerState

    func add(to router: Router<ServerContext>) {
        let state = self.state

        router.get("assets/ciblage.css") { _, _ in Self.asset(Templates.css, type: "text/css; charset=utf-8") }
        router.get("assets/ciblage.js") { _, _ in Self.asset(Templates.js, type: "text/javascript; charset=utf-8") }

        router.get("/") { _, context in
            let identity = try context.requireIdentity()
            return Self.redirect(Self.home(identity.role))
        }

        // MARK: Login

        router.get("connexion") { _, context in
            if let identity = context.identity { return Self.redirect(Self.home(identity.role)) }
            return state.pages.render("connexion", ["title": "Connexion"])
        }
        router.post("connexion") { request, context in
            let form = try await FormBody(request)
            let name = String((form["user"] ?? "").prefix(64)), password = form["password"] ?? ""
            do {
                let opened = try await Login.open(state: state, user: name, password: password, request: request, context: context)
                var response = Self.redirect(Self.home(opened.user.role))
                response.setCookie(Login.cookie(opened.id))
                return response
            } catch let refusal as ServerError where refusal.status == .unauthorized || refusal.status == .tooManyRequests {
                let message = refusal.status == .tooManyRequests ? "Trop de tentatives échouées : réessayez plus tard." : "Identifiant ou mot de passe incorrect."
                return state.pages.render("connexion", ["title": "Connexion", "error": message, "userValue": name], status: refusal.status)
            }
        }
        router.post("deconnexion") { _, context in
            let identity = try context.requireIdentity()
            if let id = identity.sessionID { try await state.run { try state.identity.endSession(id: id, actor: identity.actor) } }
            var response = Self.redirect("/connexion")
            response.setCookie(Login.expiredCookie)
            return response
        }

        // MARK: Controleur

        router.get("dossiers") { request, context in
            let identity = try context.require(.controleur)
            let items = try await state.run { try state.queue.items(of: identity.actor) }
            let flash: String? = switch request.uri.queryParameters["message"].map(String.init) {
            case "clos": "Dossier clôturé."
            case "libere": "Dossier remis dans la file."
            case "vide": "Plus aucun dossier à traiter dans vos secteurs."
            default: nil
            }
            var context = Self.base(identity, title: "Mes dossiers", current: "/dossiers")
            if let flash { context["flash"] = flash }
            return state.pages.render("dossiers", context.merging([
                "channels": ChannelKind.allCases.map { ["value": $0.rawValue, "label": French.channel($0)] },
                "open": items.filter { $0.state == .assigned }.map { q in
                    ["id": q.id, "dossier": q.item.dossier, "channel": French.channel(q.item.channel), "sector": q.item.sector,
                     "value": French.euros(q.item.expectedValue), "lease": French.remaining(until: q.leaseExpires) ?? ""] as [String: Any]
                },
                "openCount": items.filter { $0.state == .assigned }.count,
                "closed": items.filter { $0.state == .closed }.map { q in
                    ["id": q.id, "dossier": q.item.dossier, "channel": French.channel(q.item.channel), "indu": French.euros(q.outcome?.indu ?? 0),
                     "judgement": q.outcome?.judgement == .override ? "contestée" : "justifiée"] as [String: Any]
                },
                "closedCount": items.filter { $0.state == .closed }.count,
            ]) { $1 })
        }
        router.post("dossiers/suivant") { request, context in
            let identity = try context.require(.controleur)
            let form = try await FormBody(request)
            var pull = PullRequest(actor: identity.actor)
            pull.lease = state.configuration.lease
            if let channel = form["channel"], !channel.isEmpty {
                guard let kind = ChannelKind(rawValue: channel) else { throw ServerError(.unprocessableContent, "canal inconnu", field: "channel") }
                pull.channel = kind
            }
            let request = pull
            guard let item = try await state.run({ try state.queue.next(request) }) else { return Self.redirect("/dossiers?message=vide") }
            return Self.redirect("/dossiers/\(item.id)")
        }
        router.get("dossiers/:id") { _, context in
            let identity = try context.require(.controleur, .superviseur)
            let id = try APIRoutes.itemID(context)
            guard let item = try await state.run({ try state.queue.item(id, viewedBy: identity.actor) }) else { throw ServerError(.notFound, "not found") }
            return state.pages.render("dossier", Self.dossierContext(item, identity: identity, form: [:], errors: [:]))
        }
        router.post("dossiers/:id/cloture") { request, context in
            let identity = try context.require(.controleur)
            let id = try APIRoutes.itemID(context)
            let form = try await FormBody(request)
            var errors: [String: String] = [:]
            let outcome = Self.outcome(form, errors: &errors)
            if let outcome, errors.isEmpty {
                do {
                    try await state.run { try state.queue.close(CloseRequest(item: id, actor: identity.actor, outcome: outcome)) }
                    return Self.redirect("/dossiers?message=clos")
                } catch let e as QueueError where e.kind == .invalid {
                    errors[ServerError(e).field ?? "form"] = e.message.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
                }
            }
            guard let item = try await state.run({ try state.queue.item(id, viewedBy: identity.actor, recordingView: false) }) else {
                throw ServerError(.notFound, "not found")
            }
            return state.pages.render("dossier", Self.dossierContext(item, identity: identity, form: form.fields, errors: errors), status: .unprocessableContent)
        }
        router.post("dossiers/:id/liberation") { _, context in
            let identity = try context.require(.controleur)
            let id = try APIRoutes.itemID(context)
            try await state.run { try state.queue.release(item: id, by: identity.actor) }
            return Self.redirect("/dossiers?message=libere")
        }

        // MARK: Superviseur and datascientist

        router.get("tableau") { request, context in
            let identity = try context.require(.superviseur, .datascientist)
            let campaign = request.uri.queryParameters["campagne"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let euros = request.uri.queryParameters["vue"] == "euros"
            let (page, users) = try await state.run {
                (try state.queue.dashboardPage(for: identity.actor, campaign: campaign, objectives: state.objectives), try state.identity.users())
            }
            let (dashboard, all) = page
            return state.pages.render("tableau", Self.dashboardContext(dashboard, identity: identity, campaign: campaign, campaigns: all,
                                                                       euros: euros, users: users))
        }
        router.get("tableau/export.csv") { request, context in
            let identity = try context.require(.superviseur, .datascientist)
            let campaign = request.uri.queryParameters["campagne"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let d = try await state.run { try state.queue.dashboard(for: identity.actor, campaign: campaign, objectives: state.objectives) }
            var csv = "campagne,canal,secteur,planifies,attribues,clos,indus,taux_detection,euros_detectes\n"
            for l in d.lines {
                csv += [l.campaign, l.channel, l.sector].map(csvField).joined(separator: ",")
                    + ",\(l.total),\(l.assigned),\(l.closed),\(l.hits),\(l.hitRate),\(l.eurosFound)\n"
            }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"tableau.csv\""],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
        }
        router.post("tableau/reattribution") { request, context in
            let identity = try context.require(.superviseur)
            let form = try await FormBody(request)
            guard let text = form["item"], let id = Int64(text), id > 0 else { throw ServerError(.unprocessableContent, "élément manquant", field: "item") }
            guard let controller = form["controller"], !controller.isEmpty else { throw ServerError(.unprocessableContent, "contrôleur manquant", field: "controller") }
            try await state.run { try state.queue.reassign(item: id, to: controller, by: identity.actor, lease: state.configuration.lease) }
            return Self.redirect("/tableau")
        }

        router.get("modeles") { _, context in
            let identity = try context.require(.datascientist)
            let (audit, campaigns) = try await state.run {
                (try state.queue.verifyAudit(), try state.queue.supervisedCampaigns(of: identity.actor))
            }
            let reports = Reports.list(state.configuration.reports).map { ["name": $0, "kind": Reports.kind($0)] }
            let versions = try await state.run { try state.registry.versions() }
            return state.pages.render("modeles", Self.base(identity, title: "Modèles", current: "/modeles").merging([
                "hasVersions": !versions.isEmpty,
                "versions": versions.map { v in
                    ["reference": v.reference.description, "name": v.name, "version": v.version, "state": French.state(v.state),
                     "validity": French.validity(v), "regime": v.regime ?? "—", "registeredBy": v.registeredBy, "approvedBy": v.approvedBy ?? "—"]
                },
                "reports": reports,
                "audit": audit.ok ? "Le journal vérifie : \(audit.entries) entrées, chaîne intacte." : "Le journal NE vérifie PAS : \(audit.problem ?? "")",
                "campaignOptions": campaigns.map { ["name": $0] },
            ]) { $1 })
        }
        router.get("modeles/:name/:version") { _, context in
            let identity = try context.require(.datascientist)
            let reference = try APIRoutes.modelReference(context)
            let (loaded, evidence) = try await state.run { [registry = state.registry] in
                let loaded = try registry.show(reference)
                return (loaded, try registry.store.modelEvidence(name: loaded.version!.name, version: loaded.version!.version))
            }
            let v = loaded.version!
            var page = Self.base(identity, title: "Modèle \(v.reference)", current: "/modeles")
            page.merge([
                "reference": v.reference.description, "name": v.name, "version": v.version, "state": French.state(v.state), "validity": French.validity(v),
                "regime": v.regime ?? "—", "modelChecksum": v.modelChecksum, "artifactSHA256": v.artifactSHA256,
                "evaluation": v.evidence.evaluation, "audit": v.evidence.audit, "card": v.evidence.card,
                "registeredBy": v.registeredBy, "registeredAt": French.dateTime(v.registeredAt),
                "approvedBy": v.approvedBy ?? "", "approvedAt": v.approvedAt.map(French.dateTime) ?? "",
                "retiredBy": v.retiredBy ?? "", "retiredAt": v.retiredAt.map(French.dateTime) ?? "", "retireReason": v.retireReason ?? "",
                "canApprove": v.state == .registered && v.registeredBy != identity.user.name, "canRetire": v.state != .retired,
                "cardText": evidence.map { String(decoding: $0.card, as: UTF8.self) } ?? "", "summary": loaded.summary,
            ]) { $1 }
            return state.pages.render("modele", page)
        }
        router.post("modeles/:name/:version/approbation") { _, context in
            let identity = try context.require(.datascientist)
            let reference = try APIRoutes.modelReference(context)
            let v = try await state.run { try state.registry.approve(reference, by: identity.actor, now: state.configuration.now()) }
            return Self.redirect("/modeles/\(v.name)/\(v.version)")
        }
        router.post("modeles/:name/:version/retrait") { request, context in
            let identity = try context.require(.datascientist)
            let reference = try APIRoutes.modelReference(context)
            let reason = try await FormBody(request)["reason"] ?? ""
            let v = try await state.run { try state.registry.retire(reference, reason: reason, by: identity.actor, now: state.configuration.now()) }
            return Self.redirect("/modeles/\(v.name)/\(v.version)")
        }
        router.get("rapports/:name") { _, context in
            _ = try context.require(.datascientist)
            guard let name = context.parameters.get("name"), let data = Reports.read(name, in: state.configuration.reports) else {
                throw ServerError(.notFound, "not found")
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }

        // MARK: Everyone's sessions; admins' users

        router.get("sessions") { _, context in
            let identity = try context.requireIdentity()
            let sessions = try await state.run { try state.identity.sessions(of: identity.user.name) }
            return state.pages.render("sessions", Self.base(identity, title: "Mes sessions", current: "/sessions").merging([
                "sessions": sessions.map { ["created": French.dateTime($0.created), "lastSeen": French.dateTime($0.lastSeen), "address": $0.address ?? "",
                                            "current": $0.idHash == identity.session?.idHash] as [String: Any] },
            ]) { $1 })
        }
        router.post("sessions/fin-autres") { _, context in
            let identity = try context.requireIdentity()
            guard let id = identity.sessionID else { throw ServerError(.unprocessableContent, "only a session can end the others") }
            try await state.run { _ = try state.identity.endOtherSessions(keeping: id, actor: identity.actor) }
            return Self.redirect("/sessions")
        }
        router.get("admin") { _, context in
            let identity = try context.require(.admin)
            let users = try await state.run { try state.identity.users() }
            return state.pages.render("admin", Self.adminContext(identity, users: users, errors: []))
        }
        router.post("admin/utilisateurs") { request, context in
            let identity = try context.require(.admin)
            let form = try await FormBody(request)
            let sectors = (form["sectors"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            do {
                guard let role = Role(rawValue: form["role"] ?? "") else { throw RequestError("role", "rôle inconnu") }
                let request = AddUserRequest(name: form["name"] ?? "", role: role, sectors: sectors, password: form["password"] ?? "")
                try await state.run { _ = try state.identity.addUser(request, by: identity.actor) }
                return Self.redirect("/admin")
            } catch let e as RequestError {
                let users = try await state.run { try state.identity.users() }
                return state.pages.render("admin", Self.adminContext(identity, users: users, errors: ["\(e.parameter) : \(e.message { $0 })"]),
                                          status: .unprocessableContent)
            }
        }
        router.post("admin/desactivation") { request, context in
            let identity = try context.require(.admin)
            let form = try await FormBody(request)
            guard let name = form["name"], name != identity.user.name else { throw ServerError(.unprocessableContent, "compte invalide", field: "name") }
            try await state.run { try state.identity.disableUser(name, by: identity.actor) }
            return Self.redirect("/admin")
        }
    }

    // MARK: Helpers

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response { Response(status: .seeOther, headers: [.location: location]) }

    static func home(_ role: Role) -> String {
        switch role {
        case .controleur: return "/dossiers"
        case .superviseur: return "/tableau"
        case .datascientist: return "/modeles"
        case .admin: return "/admin"
        }
    }

    /// The frame's context: the user, their links and the CSRF token of their forms.
    static func base(_ identity: Identity, title: String, current: String) -> [String: Any] {
        var links: [(String, String)]
        switch identity.role {
        case .controleur: links = [("/dossiers", "Mes dossiers")]
        case .superviseur: links = [("/tableau", "Tableau de bord")]
        case .datascientist: links = [("/modeles", "Modèles"), ("/tableau", "Tableau de bord")]
        case .admin: links = [("/admin", "Utilisateurs")]
        }
        links.append(("/sessions", "Sessions"))
        let csrf = identity.session?.csrfToken ?? ""
        return [
            "title": title, "csrf": csrf,
            "user": ["name": identity.user.name, "role": identity.role.rawValue, "csrf": csrf,
                     "links": links.map { ["href": $0.0, "label": $0.1, "current": $0.0 == current] as [String: Any] }] as [String: Any],
        ]
    }

    static func dossierContext(_ q: QueueItem, identity: Identity, form: [String: String], errors: [String: String]) -> [String: Any] {
        let random = q.item.selection == "explore"
        let reasons = q.item.reasons.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var context = base(identity, title: "Dossier \(q.item.dossier)", current: "/dossiers")
        let inclusion: String = French.number(q.item.inclusionProbability, decimals: 4)
        let selection: String = random ? "tiré au hasard (probabilité d'inclusion \(inclusion))" : "classé par valeur attendue"
        let states: [String: String] = ["planned": "à attribuer", "assigned": "en cours", "closed": "clos"]
        context["id"] = q.id
        context["dossier"] = q.item.dossier
        context["campaign"] = q.campaign
        context["channel"] = French.channel(q.item.channel)
        context["sector"] = q.item.sector
        context["score"] = French.number(q.item.score, decimals: 3)
        context["expectedAmount"] = q.item.expectedAmount.map(French.euros) ?? "non estimé"
        context["expectedValue"] = French.euros(q.item.expectedValue)
        context["selection"] = selection
        context["state"] = states[q.state.rawValue] ?? q.state.rawValue
        if q.state == .assigned, let lease = French.remaining(until: q.leaseExpires) { context["lease"] = lease }
        context["reasons"] = reasons
        context["explanation"] = explanation(q, reasons: reasons)
        context["closable"] = q.state == .assigned && q.controller == identity.user.name && identity.role == .controleur
        var values: [String: Any] = [:]
        for key in ["indu", "rappel", "induMonths", "reason"] { values[key] = form[key] ?? "" }
        values["fraud"] = form["fraud"] != nil
        values["agree"] = (form["judgement"] ?? "agree") == "agree"
        values["override"] = form["judgement"] == "override"
        context["form"] = values
        context["error"] = errors
        if !errors.isEmpty {
            let order = ["indu", "rappel", "induMonths", "judgement", "reason"]
            let fields = errors.keys.sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }.map(fieldLabel).joined(separator: ", ")
            context["errors"] = [["message": "Le formulaire contient des erreurs : \(fields)."]]
        }
        if let o = q.outcome {
            context["outcome"] = ["indu": French.euros(o.indu), "rappel": French.euros(o.rappel), "months": o.induMonths.map(String.init) ?? "—",
                                  "fraud": o.fraud ? "oui" : "non", "judgement": o.judgement == .override ? "sélection contestée" : "sélection justifiée",
                                  "reason": o.judgementReason ?? ""] as [String: Any]
        }
        return context
    }

    static func fieldLabel(_ field: String) -> String {
        ["indu": "indu", "rappel": "rappel", "induMonths": "mois couverts", "judgement": "jugement", "reason": "motif"][field] ?? field
    }

    /// What CRPA R311-3-1-2 asks to be told: that an algorithm contributed and how, the data, the
    /// parameters as applied to this dossier, and the operations; and that a person decides.
    static func explanation(_ q: QueueItem, reasons: [String]) -> [String] {
        let selection = q.item.selection == "explore"
            ? "Il a été tiré au hasard parmi les dossiers éligibles, avec une probabilité d'inclusion de \(French.number(q.item.inclusionProbability, decimals: 4)) : cette part aléatoire mesure la qualité du modèle sans biais de sélection."
            : "Il a été classé parmi les dossiers de plus forte valeur attendue du canal « \(French.channel(q.item.channel)) » : probabilité estimée d'un indu multipliée par le montant attendu et le taux de détection du canal, moins le coût du contrôle."
        return [
            "Ce dossier a été retenu à l'aide d'un traitement algorithmique : un modèle de score (régression logistique, empreinte \(q.modelChecksum.prefix(12))) estime, à partir des données du dossier, la probabilité qu'il comporte un indu ; son score est de \(French.number(q.item.score, decimals: 3)).",
            selection,
            reasons.isEmpty ? "Aucun facteur n'a été enregistré pour ce dossier." : "Les données qui ont le plus contribué à son score sont : " + reasons.joined(separator: " ; ") + ".",
            "Le score ne vaut pas décision : le contrôle est mené par un agent, qui peut contester la sélection. Information délivrée en application des articles L311-3-1 et R311-3-1-2 du code des relations entre le public et l'administration.",
        ]
    }

    /// Reads the close form field by field; each refusal is kept under its field.
    static func outcome(_ form: FormBody, errors: inout [String: String]) -> Outcome? {
        func amount(_ key: String, required: Bool) -> Double? {
            let text = (form[key] ?? "").replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\u{202F}", with: "").replacingOccurrences(of: ",", with: ".")
            if text.isEmpty { if required { errors[key] = "obligatoire" }; return required ? nil : 0 }
            guard let v = Double(text), v.isFinite else { errors[key] = "un montant en euros est attendu, par exemple 1250,50"; return nil }
            guard v >= 0 else { errors[key] = "le montant ne peut pas être négatif"; return nil }
            return v
        }
        let indu = amount("indu", required: true), rappel = amount("rappel", required: false)
        var months: Int?
        if let text = form["induMonths"], !text.isEmpty {
            if let m = Int(text), (0...Outcome.maximumInduMonths).contains(m) { months = m } else { errors["induMonths"] = "un nombre de mois entre 1 et \(Outcome.maximumInduMonths) est attendu" }
        }
        if let indu, indu > 0, months == nil, errors["induMonths"] == nil { errors["induMonths"] = "obligatoire quand il y a un indu" }
        if let indu, indu == 0, months == 0 { months = nil }
        let judgement = Judgement(rawValue: form["judgement"] ?? "")
        if judgement == nil { errors["judgement"] = "choisissez « justifiée » ou « je conteste »" }
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if judgement == .override, reason.isEmpty { errors["reason"] = "un motif est obligatoire quand vous contestez la sélection" }
        if reason.count > 2000 { errors["reason"] = "2000 caractères au plus" }
        guard let indu, let rappel, let judgement, errors.isEmpty else { return nil }
        return Outcome(indu: indu, rappel: rappel, induMonths: months, fraud: form["fraud"] != nil, judgement: judgement,
                       judgementReason: reason.isEmpty ? nil : reason)
    }

    static func dashboardContext(_ d: Dashboard, identity: Identity, campaign: String?, campaigns: [String], euros: Bool,
                                 users: [UserAccount]) -> [String: Any] {
        var context = base(identity, title: "Tableau de bord", current: "/tableau")
        let controleurs = users.filter { $0.role == .controleur && !$0.disabled }
        context["euros"] = euros
        context["campaignOptions"] = campaigns.map { ["name": $0, "selected": $0 == campaign] as [String: Any] }
        context["exportQuery"] = campaign.map { "?campagne=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
        context["campaigns"] = d.campaigns.map { campaignRow($0, euros: euros) }
        context["lines"] = d.lines.map { lineRow($0, euros: euros) }
        if let p = d.population {
            let row: [String: Any] = ["closedAtRandom": p.closedAtRandom, "hitsAtRandom": p.hitsAtRandom, "rate": French.percent(p.rate),
                                      "low": French.percent(p.low), "high": French.percent(p.high)]
            context["population"] = row
        }
        context["workload"] = d.workload.map { w -> [String: Any] in
            ["controller": w.controller, "assigned": w.assigned, "closed": w.closed, "euros": French.euros(w.eurosFound), "overrides": w.overrides]
        }
        context["overrides"] = d.overrides.map { o -> [String: Any] in ["item": o.item, "sector": o.sector, "controller": o.controller, "reason": o.reason] }
        var open: [[String: Any]] = []
        if identity.role == .superviseur {
            for q in d.open.prefix(200) {
                let candidates: [String] = controleurs.filter { $0.sectors.contains(q.item.sector) && $0.name != q.controller }.map(\.name)
                open.append(["id": q.id, "sector": q.item.sector, "controller": q.controller ?? "—", "candidates": candidates])
            }
        }
        context["open"] = open
        return context
    }

    static func lineRow(_ l: Dashboard.Line, euros: Bool) -> [String: Any] {
        let hitRate: String = l.closed == 0 ? "—" : French.percent(l.hitRate)
        let found: String = euros ? French.euros(l.eurosFound) : "\(l.hits)"
        return ["campaign": l.campaign, "channel": l.channel, "sector": l.sector, "total": l.total, "assigned": l.assigned, "closed": l.closed,
                "hitRate": hitRate, "found": found]
    }

    /// A campaign's line against its objective, in euros or in volume.
    static func campaignRow(_ t: Dashboard.CampaignTotal, euros: Bool) -> [String: Any] {
        let useEuros = euros || (t.objective?.volume == nil && t.objective?.euros != nil)
        let objective: String?
        let percent: Double?
        let done: String
        if useEuros {
            objective = t.objective?.euros.map(French.euros); percent = t.eurosPercent; done = French.euros(t.eurosFound)
        } else {
            objective = t.objective?.volume.map { "\($0) contrôles" }; percent = t.volumePercent; done = "\(t.closed) contrôles"
        }
        let progress: String = percent.map { French.number($0, decimals: 1) + " %" } ?? "—"
        return ["campaign": t.campaign, "done": done, "objective": objective ?? "non fixé", "progress": progress]
    }

    static func adminContext(_ identity: Identity, users: [UserAccount], errors: [String]) -> [String: Any] {
        base(identity, title: "Utilisateurs", current: "/admin").merging([
            "users": users.map { ["name": $0.name, "role": $0.role.rawValue, "sectors": $0.sectors.joined(separator: ", "),
                                  "status": $0.disabled ? "désactivé" : "actif", "disabled": $0.disabled] as [String: Any] },
            "roles": Role.allCases.map(\.rawValue),
            "errors": errors.map { ["message": $0] },
        ]) { $1 }
    }
}

/// The HTML reports a datascientist reads (evaluations, audits, cards): only `.html` files directly
/// in the configured folder, by a plain name, so that no path can reach outside it.
enum Reports {
    static func list(_ folder: String?) -> [String] {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter(isPlainName).sorted()
    }

    static func isPlainName(_ name: String) -> Bool {
        name.hasSuffix(".html") && name.count <= 128 && !name.hasPrefix(".")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    static func read(_ name: String, in folder: String?) -> Data? {
        guard isPlainName(name), list(folder).contains(name), let folder else { return nil }
        return FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name))
    }

    static func kind(_ name: String) -> String {
        if name.contains("audit") { return "audit" }
        if name.contains("card") || name.contains("carte") { return "carte du modèle" }
        if name.contains("eval") { return "évaluation" }
        if name.contains("monitor") || name.contains("drift") { return "suivi" }
        return "rapport"
    }
}
