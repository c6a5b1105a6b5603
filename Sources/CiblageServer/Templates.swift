/// The pages' templates, embedded (nothing is read from disk or fetched at run time). Mustache
/// escapes `& < > " '` in every `{{value}}`; triple braces are never used.
enum Templates {
    static let all: [String: String] = [
        "head": head, "foot": foot, "connexion": connexion, "dossiers": dossiers, "dossier": dossier, "tableau": tableau,
        "modeles": modeles, "modele": modele, "sessions": sessions, "admin": admin, "erreur": erreur,
    ]

    static let head = """
        <!doctype html>
        <html lang="fr">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Ciblage</title>
        <link rel="stylesheet" href="/assets/ciblage.css">
        </head>
        <body>
        <a class="skip" href="#contenu">Aller au contenu</a>
        <header>
        <span class="brand">Ciblage</span>
        {{#user}}
        <nav aria-label="Navigation principale">
        {{#links}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/links}}
        </nav>
        <form method="post" action="/deconnexion" class="logout">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span class="who">{{name}} · {{role}}</span>
        <button type="submit">Se déconnecter</button>
        </form>
        {{/user}}
        </header>
        <main id="contenu">
        {{#flash}}<p class="flash" role="status">{{flash}}</p>{{/flash}}
        """

    static let foot = """
        </main>
        <script src="/assets/ciblage.js"></script>
        </body>
        </html>
        """

    static let connexion = """
        {{> head}}
        <h1>Connexion</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/connexion" class="card">
        <label for="user">Identifiant</label>
        <input id="user" name="user" autocomplete="username" required maxlength="64" value="{{userValue}}" autofocus>
        <label for="password">Mot de passe</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="72">
        <button type="submit">Se connecter</button>
        </form>
        {{> foot}}
        """

    static let dossiers = """
        {{> head}}
        <h1>Mes dossiers</h1>
        <form method="post" action="/dossiers/suivant" id="suivant" class="card inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="channel">Canal</label>
        <select id="channel" name="channel">
        <option value="">tous</option>
        {{#channels}}<option value="{{value}}">{{label}}</option>{{/channels}}
        </select>
        <button type="submit" accesskey="n">Dossier suivant <kbd>n</kbd></button>
        </form>
        <h2>À traiter ({{openCount}})</h2>
        {{^open}}<p>Aucun dossier en cours.</p>{{/open}}
        <table>
        <thead><tr><th scope="col">Dossier</th><th scope="col">Canal</th><th scope="col">Secteur</th><th scope="col">Valeur attendue</th><th scope="col">Bail</th></tr></thead>
        <tbody>
        {{#open}}<tr><td><a href="/dossiers/{{id}}">{{dossier}}</a></td><td>{{channel}}</td><td>{{sector}}</td><td class="num">{{value}}</td><td>{{lease}}</td></tr>{{/open}}
        </tbody>
        </table>
        <h2>Traités ({{closedCount}})</h2>
        <table>
        <thead><tr><th scope="col">Dossier</th><th scope="col">Canal</th><th scope="col">Indu</th><th scope="col">Jugement</th></tr></thead>
        <tbody>
        {{#closed}}<tr><td><a href="/dossiers/{{id}}">{{dossier}}</a></td><td>{{channel}}</td><td class="num">{{indu}}</td><td>{{judgement}}</td></tr>{{/closed}}
        </tbody>
        </table>
        {{> foot}}
        """

    static let dossier = """
        {{> head}}
        <h1>Dossier {{dossier}}</h1>
        <dl class="facts">
        <dt>Campagne</dt><dd>{{campaign}}</dd>
        <dt>Canal</dt><dd>{{channel}}</dd>
        <dt>Secteur</dt><dd>{{sector}}</dd>
        <dt>Score</dt><dd>{{score}}</dd>
        <dt>Montant attendu</dt><dd>{{expectedAmount}}</dd>
        <dt>Valeur attendue</dt><dd>{{expectedValue}}</dd>
        <dt>Sélection</dt><dd>{{selection}}</dd>
        <dt>État</dt><dd>{{state}}</dd>
        {{#lease}}<dt>Bail restant</dt><dd>{{lease}}</dd>{{/lease}}
        </dl>
        <h2>Pourquoi ce dossier</h2>
        <ol class="reasons">{{#reasons}}<li>{{.}}</li>{{/reasons}}</ol>
        <section class="explanation" aria-labelledby="r311">
        <h2 id="r311">Information sur le traitement algorithmique</h2>
        {{#explanation}}<p>{{.}}</p>{{/explanation}}
        </section>
        {{#outcome}}
        <h2>Clôture</h2>
        <dl class="facts">
        <dt>Indu</dt><dd>{{indu}}</dd><dt>Rappel</dt><dd>{{rappel}}</dd><dt>Mois couverts</dt><dd>{{months}}</dd>
        <dt>Fraude qualifiée</dt><dd>{{fraud}}</dd><dt>Jugement</dt><dd>{{judgement}}</dd>{{#reason}}<dt>Motif</dt><dd>{{reason}}</dd>{{/reason}}
        </dl>
        {{/outcome}}
        {{#closable}}
        <h2>Clôturer</h2>
        {{#errors}}<p class="error" role="alert">{{message}}</p>{{/errors}}
        <form method="post" action="/dossiers/{{id}}/cloture" class="card" novalidate>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="indu">Indu (EUR){{#error.indu}} <span class="field-error">{{error.indu}}</span>{{/error.indu}}</label>
        <input id="indu" name="indu" inputmode="decimal" required value="{{form.indu}}">
        <label for="rappel">Rappel (EUR){{#error.rappel}} <span class="field-error">{{error.rappel}}</span>{{/error.rappel}}</label>
        <input id="rappel" name="rappel" inputmode="decimal" value="{{form.rappel}}">
        <label for="induMonths">Mois couverts par l'indu{{#error.induMonths}} <span class="field-error">{{error.induMonths}}</span>{{/error.induMonths}}</label>
        <input id="induMonths" name="induMonths" inputmode="numeric" value="{{form.induMonths}}">
        <label class="check"><input type="checkbox" name="fraud" value="1"{{#form.fraud}} checked{{/form.fraud}}> Fraude qualifiée</label>
        <fieldset>
        <legend>Votre jugement de la sélection{{#error.judgement}} <span class="field-error">{{error.judgement}}</span>{{/error.judgement}}</legend>
        <label class="check"><input type="radio" name="judgement" value="agree"{{#form.agree}} checked{{/form.agree}}> Sélection justifiée</label>
        <label class="check"><input type="radio" name="judgement" value="override"{{#form.override}} checked{{/form.override}}> Je conteste la sélection</label>
        </fieldset>
        <label for="reason">Motif (obligatoire si vous contestez){{#error.reason}} <span class="field-error">{{error.reason}}</span>{{/error.reason}}</label>
        <textarea id="reason" name="reason" rows="3" maxlength="2000">{{form.reason}}</textarea>
        <button type="submit">Clôturer le dossier</button>
        </form>
        <form method="post" action="/dossiers/{{id}}/liberation" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="secondary">Remettre dans la file</button>
        </form>
        {{/closable}}
        <p><a href="/dossiers">Retour à mes dossiers</a></p>
        {{> foot}}
        """

    static let tableau = """
        {{> head}}
        <h1>Tableau de bord</h1>
        <form method="get" action="/tableau" class="inline card">
        <label for="campagne">Campagne</label>
        <select id="campagne" name="campagne"><option value="">toutes</option>{{#campaignOptions}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/campaignOptions}}</select>
        <fieldset class="inline"><legend>Vue</legend>
        <label class="check"><input type="radio" name="vue" value="volume"{{^euros}} checked{{/euros}}> en volume</label>
        <label class="check"><input type="radio" name="vue" value="euros"{{#euros}} checked{{/euros}}> en euros</label>
        </fieldset>
        <button type="submit">Afficher</button>
        <a href="/tableau/export.csv{{exportQuery}}">Exporter (CSV)</a>
        </form>
        <h2>Objectifs CPOG</h2>
        <table>
        <thead><tr><th scope="col">Campagne</th><th scope="col">Réalisé</th><th scope="col">Objectif</th><th scope="col">Avancement</th></tr></thead>
        <tbody>{{#campaigns}}<tr><td>{{campaign}}</td><td class="num">{{done}}</td><td class="num">{{objective}}</td><td class="num">{{progress}}</td></tr>{{/campaigns}}</tbody>
        </table>
        <h2>Taux de détection de la population</h2>
        {{#population}}<p>Estimé sur la part tirée au hasard ({{closedAtRandom}} dossiers clos, {{hitsAtRandom}} avec indu) : <strong>{{rate}}</strong>, intervalle à 95 % [{{low}} ; {{high}}].</p>{{/population}}
        {{^population}}<p>Aucun dossier de la part aléatoire n'est encore clos.</p>{{/population}}
        <h2>Charge par contrôleur</h2>
        <table>
        <thead><tr><th scope="col">Contrôleur</th><th scope="col">En cours</th><th scope="col">Clos</th><th scope="col">Indus détectés</th><th scope="col">Contestations</th></tr></thead>
        <tbody>{{#workload}}<tr><td>{{controller}}</td><td class="num">{{assigned}}</td><td class="num">{{closed}}</td><td class="num">{{euros}}</td><td class="num">{{overrides}}</td></tr>{{/workload}}</tbody>
        </table>
        <h2>Contestations de la sélection</h2>
        {{^overrides}}<p>Aucune.</p>{{/overrides}}
        <ul>{{#overrides}}<li>Dossier n° {{item}} ({{sector}}), {{controller}} : {{reason}}</li>{{/overrides}}</ul>
        <h2>Par canal et secteur</h2>
        <table>
        <thead><tr><th scope="col">Campagne</th><th scope="col">Canal</th><th scope="col">Secteur</th><th scope="col">Planifiés</th><th scope="col">Attribués</th><th scope="col">Clos</th><th scope="col">Taux de détection</th><th scope="col">{{#euros}}Indus détectés{{/euros}}{{^euros}}Dossiers avec indu{{/euros}}</th></tr></thead>
        <tbody>{{#lines}}<tr><td>{{campaign}}</td><td>{{channel}}</td><td>{{sector}}</td><td class="num">{{total}}</td><td class="num">{{assigned}}</td><td class="num">{{closed}}</td><td class="num">{{hitRate}}</td><td class="num">{{found}}</td></tr>{{/lines}}</tbody>
        </table>
        <h2>Réattribuer</h2>
        <table>
        <thead><tr><th scope="col">Élément</th><th scope="col">Secteur</th><th scope="col">Détenu par</th><th scope="col">Attribuer à</th></tr></thead>
        <tbody>{{#open}}<tr><td>{{id}}</td><td>{{sector}}</td><td>{{controller}}</td><td>
        <form method="post" action="/tableau/reattribution" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="item" value="{{id}}">
        <label class="visually-hidden" for="to-{{id}}">Contrôleur</label>
        <select id="to-{{id}}" name="controller">{{#candidates}}<option value="{{.}}">{{.}}</option>{{/candidates}}</select>
        <button type="submit">Réattribuer</button>
        </form></td></tr>{{/open}}</tbody>
        </table>
        {{> foot}}
        """

    static let modeles = """
        {{> head}}
        <h1>Modèles et rapports</h1>
        <h2>Registre des versions</h2>
        {{^versions}}<p>Aucune version enregistrée. Enregistrer : <code>ciblage model register</code> ou <code>POST /api/v1/models</code>, avec l'évaluation sur la strate aléatoire, l'audit et la fiche.</p>{{/versions}}
        {{#hasVersions}}
        <table>
        <thead><tr><th scope="col">Version</th><th scope="col">État</th><th scope="col">Validité</th><th scope="col">Régime</th><th scope="col">Enregistrée par</th><th scope="col">Approuvée par</th></tr></thead>
        <tbody>{{#versions}}<tr><td><a href="/modeles/{{name}}/{{version}}">{{reference}}</a></td><td>{{state}}</td><td>{{validity}}</td><td>{{regime}}</td><td>{{registeredBy}}</td><td>{{approvedBy}}</td></tr>{{/versions}}</tbody>
        </table>
        {{/hasVersions}}
        <h2>Rapports publiés</h2>
        {{^reports}}<p>Aucun rapport publié (option <code>--reports</code> de <code>ciblage serve</code>).</p>{{/reports}}
        <ul>{{#reports}}<li><a href="/rapports/{{name}}">{{name}}</a> ({{kind}})</li>{{/reports}}</ul>
        <h2>Journal d'audit</h2>
        <p>{{audit}}</p>
        <h2>Export des résultats pour réentraînement</h2>
        <form method="get" action="/api/v1/outcomes" class="inline card">
        <label for="campaign">Campagne</label>
        <select id="campaign" name="campaign">{{#campaignOptions}}<option value="{{name}}">{{name}}</option>{{/campaignOptions}}</select>
        <button type="submit">Télécharger (CSV)</button>
        </form>
        {{> foot}}
        """

    static let modele = """
        {{> head}}
        <h1>Modèle {{reference}}</h1>
        <dl class="card">
        <dt>État</dt><dd>{{state}}</dd>
        <dt>Validité</dt><dd>{{validity}}</dd>
        <dt>Régime</dt><dd>{{regime}}</dd>
        <dt>Empreinte du modèle</dt><dd><code>{{modelChecksum}}</code></dd>
        <dt>Empreinte de l'artefact stocké</dt><dd><code>{{artifactSHA256}}</code> (vérifiée à l'ouverture de cette page)</dd>
        <dt>Évaluation (SHA-256)</dt><dd><code>{{evaluation}}</code></dd>
        <dt>Audit (SHA-256)</dt><dd><code>{{audit}}</code></dd>
        <dt>Fiche (SHA-256)</dt><dd><code>{{card}}</code></dd>
        <dt>Enregistrée</dt><dd>par {{registeredBy}}, le {{registeredAt}}</dd>
        {{#approvedBy}}<dt>Approuvée</dt><dd>par {{approvedBy}}, le {{approvedAt}}</dd>{{/approvedBy}}
        {{#retiredBy}}<dt>Retirée</dt><dd>par {{retiredBy}}, le {{retiredAt}} : {{retireReason}}</dd>{{/retiredBy}}
        </dl>
        {{#canApprove}}
        <form method="post" action="/modeles/{{name}}/{{version}}/approbation" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <p>Approuver met la version en service pendant sa période de validité. Le principe des quatre yeux s'applique : la personne qui l'a enregistrée ne peut pas l'approuver.</p>
        <button type="submit">Approuver {{reference}}</button>
        </form>
        {{/canApprove}}
        {{#canRetire}}
        <form method="post" action="/modeles/{{name}}/{{version}}/retrait" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="reason">Motif du retrait (obligatoire)</label>
        <textarea id="reason" name="reason" required maxlength="2000"></textarea>
        <button type="submit">Retirer {{reference}}</button>
        </form>
        {{/canRetire}}
        <h2>Fiche enregistrée</h2>
        <pre class="doc">{{cardText}}</pre>
        <h2>Coefficients</h2>
        <pre class="doc">{{summary}}</pre>
        {{> foot}}
        """

    static let sessions = """
        {{> head}}
        <h1>Mes sessions</h1>
        <table>
        <thead><tr><th scope="col">Ouverte</th><th scope="col">Dernière activité</th><th scope="col">Adresse</th><th scope="col"></th></tr></thead>
        <tbody>{{#sessions}}<tr><td>{{created}}</td><td>{{lastSeen}}</td><td>{{address}}</td><td>{{#current}}session actuelle{{/current}}</td></tr>{{/sessions}}</tbody>
        </table>
        <form method="post" action="/sessions/fin-autres" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Fermer mes autres sessions</button>
        </form>
        {{> foot}}
        """

    static let admin = """
        {{> head}}
        <h1>Utilisateurs</h1>
        {{#errors}}<p class="error" role="alert">{{message}}</p>{{/errors}}
        <table>
        <thead><tr><th scope="col">Nom</th><th scope="col">Rôle</th><th scope="col">Secteurs</th><th scope="col">État</th><th scope="col"></th></tr></thead>
        <tbody>{{#users}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{sectors}}</td><td>{{status}}</td><td>{{^disabled}}
        <form method="post" action="/admin/desactivation" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}"><button type="submit" class="secondary">Désactiver</button></form>{{/disabled}}</td></tr>{{/users}}</tbody>
        </table>
        <h2>Ajouter</h2>
        <form method="post" action="/admin/utilisateurs" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="name">Identifiant</label><input id="name" name="name" required maxlength="64">
        <label for="role">Rôle</label><select id="role" name="role">{{#roles}}<option value="{{.}}">{{.}}</option>{{/roles}}</select>
        <label for="sectors">Secteurs (séparés par des virgules)</label><input id="sectors" name="sectors" maxlength="1024">
        <label for="password">Mot de passe (12 caractères au moins)</label><input id="password" name="password" type="password" autocomplete="new-password" required maxlength="72">
        <button type="submit">Ajouter</button>
        </form>
        {{> foot}}
        """

    static let erreur = """
        {{> head}}
        <h1>{{heading}}</h1>
        <p role="alert">{{message}}</p>
        <p><a href="/">Accueil</a></p>
        {{> foot}}
        """

    static let css = """
        :root { --ink: #1e1e1e; --muted: #555; --accent: #000091; --bad: #b00020; --line: #ddd; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 2px solid var(--accent); }
        .brand { font-weight: 700; color: var(--accent); }
        nav { display: flex; flex-wrap: wrap; gap: .75rem; }
        nav a[aria-current] { font-weight: 700; }
        .logout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
        .who { color: var(--muted); font-size: .9rem; }
        main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
        table { border-collapse: collapse; width: 100%; display: block; overflow-x: auto; margin-bottom: 1rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .card { display: grid; gap: .4rem; max-width: 32rem; padding: 1rem 0; }
        .inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        input, select, textarea, button { font: inherit; padding: .45rem .6rem; min-height: 2.75rem; }
        button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
        :focus-visible { outline: 3px solid #ff9940; outline-offset: 2px; }
        .error, .field-error { color: var(--bad); }
        .flash { background: #eef; padding: .5rem; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        .facts dt { color: var(--muted); }
        .check { display: flex; gap: .5rem; align-items: center; }
        fieldset { border: 1px solid var(--line); }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        kbd { border: 1px solid #fff8; border-radius: 3px; padding: 0 .3rem; font-size: .8rem; }
        @media (max-width: 480px) { main { padding: .5rem; } .logout { margin-left: 0; } }
        """

    /// The only script: the `n` shortcut for "Dossier suivant" (no inline script anywhere: CSP).
    static let js = """
        document.addEventListener('keydown', function (e) {
          var t = e.target && e.target.tagName;
          if (e.key !== 'n' || e.ctrlKey || e.metaKey || e.altKey || t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT') return;
          var f = document.getElementById('suivant');
          if (f) { e.preventDefault(); f.submit(); }
        });
        """
}
