import Documents
import Engine
import Events
import Projections

/// Server-rendered HTML: text escaped where it enters, every page one layout (language
/// switcher, skip link, header with sign-out, `main#main`), every form with its CSRF field.
enum HTML {
    /// The printed documents' escaping (`Documents.HTML`), one for both.
    static func escape(_ text: String) -> String { Documents.HTML.escape(text) }
}

/// What a page needs to know of the request that asked for it.
struct PageContext: Sendable {
    let language: Language
    /// The path after the language (`status`, `me`…), for the language switcher's links.
    let rest: String
    let csrf: String
    let account: AccountView?

    func t(_ key: Wording.Key) -> String { language(key) }

    /// `/it/status`: a path in this page's language.
    func path(_ rest: String) -> String { "/\(language.rawValue)/\(rest)" }

    /// A POST form to `action` (a path in this language) with the CSRF field.
    func form(_ action: String, id: String? = nil, cssClass: String? = nil, _ body: String) -> String {
        var attributes = "method=\"post\" action=\"\(HTML.escape(path(action)))\""
        if let id { attributes += " id=\"\(id)\"" }
        if let cssClass { attributes += " class=\"\(cssClass)\"" }
        return "<form \(attributes)><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">\(body)</form>"
    }

    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(name)\" value=\"\(HTML.escape(value))\">"
    }

    /// A labelled field; `id` ties label and input.
    static func field(_ label: String, name: String, id: String, type: String = "text", value: String = "",
                      required: Bool = false, autocomplete: String? = nil) -> String {
        var input = "<input type=\"\(type)\" name=\"\(name)\" id=\"\(id)\" value=\"\(HTML.escape(value))\""
        if required { input += " required" }
        if let autocomplete { input += " autocomplete=\"\(autocomplete)\"" }
        return "<p><label for=\"\(id)\">\(HTML.escape(label))</label> \(input)></p>"
    }

    static func select(_ label: String, name: String, id: String, options: [(value: String, label: String)],
                       selected: String? = nil) -> String {
        let items = options.map { option in
            "<option value=\"\(HTML.escape(option.value))\"\(option.value == selected ? " selected" : "")>"
                + HTML.escape(option.label) + "</option>"
        }.joined()
        return "<p><label for=\"\(id)\">\(HTML.escape(label))</label> <select name=\"\(name)\" id=\"\(id)\">\(items)</select></p>"
    }

    static func button(_ label: String) -> String { "<button type=\"submit\">\(HTML.escape(label))</button>" }

    /// The whole document.
    func page(title: String, notice: String? = nil, error: (code: String, message: String)? = nil,
              scripts: [String] = [], _ body: String) -> String {
        let lang = language.rawValue
        let languages = Language.allCases.map { other in
            "<a href=\"/\(other.rawValue)/\(HTML.escape(rest))\" hreflang=\"\(other.rawValue)\" lang=\"\(other.rawValue)\""
                + (other == language ? " aria-current=\"true\"" : "") + ">\(other.endonym)</a>"
        }.joined(separator: " ")
        var header = "<a class=\"site\" href=\"\(path(""))\">\(HTML.escape(t(.siteName)))</a>"
        if let account {
            header += "<span class=\"who\">\(HTML.escape(t(.signedInAs))): \(HTML.escape(account.spec.name))</span>"
                + "<a href=\"\(path("me"))\">\(HTML.escape(t(.myPage)))</a>"
                + form("signout", id: "signout-form", PageContext.button(t(.signOut)))
        } else {
            header += "<a href=\"\(path("signin"))\">\(HTML.escape(t(.signIn)))</a>"
        }
        var messages = ""
        if let notice {
            messages += "<div id=\"notice\" role=\"status\">\(HTML.escape(notice))</div>"
        }
        if let error {
            messages += "<div id=\"error\" role=\"alert\" data-code=\"\(HTML.escape(error.code))\"><strong>"
                + HTML.escape(t(.errorTitle)) + "</strong> <span class=\"code\">\(HTML.escape(error.code))</span>: "
                + HTML.escape(error.message) + "</div>"
        }
        let scriptTags = scripts.map { "<script src=\"\($0)\" defer></script>" }.joined()
        return """
            <!DOCTYPE html>
            <html lang="\(lang)" dir="\(language.direction)">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) — Agenda</title><link rel="stylesheet" href="/static/portal.css">\(scriptTags)</head>
            <body><a class="skip" href="#main">\(HTML.escape(t(.skip)))</a>
            <header><nav id="languages" aria-label="\(HTML.escape(t(.languages)))">\(languages)</nav>
            <div class="bar">\(header)</div></header>
            <main id="main"><h1>\(HTML.escape(title))</h1>\(messages)\(body)</main>
            <footer><nav aria-label="Agenda"><a href="\(path("status"))">\(HTML.escape(t(.statusTitle)))</a>
            <a href="\(path("offices"))">\(HTML.escape(t(.officesTitle)))</a> <a href="\(path("faq"))">\(HTML.escape(t(.faqTitle)))</a></nav></footer>
            </body></html>
            """
    }

    /// An appointment's state in words (a booked one whose day is over reads missed, as APPT says).
    func stateWord(_ appointment: AppointmentView, today: Day) -> String {
        if appointment.isUnmarkedPast(today: today) { return t(.missed) }
        switch appointment.state {
        case .booked: return t(.booked)
        case .attended: return t(.attended)
        case .missed: return t(.missed)
        default: return appointment.state.description
        }
    }

    func weekday(_ index: Int) -> String {
        let keys: [Wording.Key] = [.weekday0, .weekday1, .weekday2, .weekday3, .weekday4, .weekday5, .weekday6]
        return t(keys[index % 7])
    }
}

/// The static files: the style sheet and the desk's live-update script, served from memory.
enum StaticFiles {
    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Naskh Arabic",sans-serif;color:#1a1a1a;background:#fff}
        a{color:#0b4f9c}
        .skip{position:absolute;top:0;inset-inline-start:0;background:#fff;padding:.5em;transform:translateY(-120%)}
        .skip:focus{transform:none}
        header{background:#f1f4f8;border-bottom:1px solid #c8d0da;padding:.5em 1em}
        header .bar{display:flex;flex-wrap:wrap;gap:.75em;align-items:center}
        header .site{font-weight:700;color:#1a1a1a;text-decoration:none;margin-inline-end:auto}
        header form{display:inline;margin:0}
        #languages{display:flex;gap:.75em;font-size:.9em;margin-bottom:.25em}
        main{padding:1em;max-width:60em;margin:0 auto}
        footer{border-top:1px solid #c8d0da;padding:1em;font-size:.9em}
        footer nav{display:flex;flex-wrap:wrap;gap:1em}
        h1{font-size:1.5em;margin:.25em 0 .5em}
        h2{font-size:1.2em;margin-top:1.5em}
        label{display:block;font-weight:600}
        input,select,button{font:inherit;padding:.4em;max-width:100%}
        input,select{border:1px solid #5a6472;border-radius:4px;min-width:12em}
        button{background:#0b4f9c;color:#fff;border:0;border-radius:4px;padding:.45em .9em;cursor:pointer}
        button:focus,a:focus,input:focus,select:focus{outline:3px solid #f2a900;outline-offset:2px}
        table{border-collapse:collapse;width:100%;margin:.5em 0}
        th,td{border-bottom:1px solid #c8d0da;padding:.4em;text-align:start;vertical-align:top}
        td form{display:inline-block;margin:.1em 0}
        td form input{min-width:8em}
        #error{background:#fdecec;color:#7a0c0c;border:1px solid #7a0c0c;border-radius:4px;padding:.75em;margin:.5em 0}
        #notice{background:#e8f5e9;color:#14521a;border:1px solid #14521a;border-radius:4px;padding:.75em;margin:.5em 0}
        #status-result{font-size:1.2em;font-weight:700}
        #live{font-size:.9em;color:#3d4652}
        @media (max-width:40em){table,thead,tbody,tr,th,td{display:block}thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}td{border:0;padding:.2em 0}tr{border-bottom:1px solid #c8d0da;padding:.5em 0}}
        @media print{header,footer,form,#live{display:none}}
        """

    /// The desk: listens to the office's events and reloads the agenda's rows, no page reload.
    static let liveJS = """
        (function () {
          var live = document.getElementById('live');
          if (!live || !window.EventSource) return;
          var body = document.querySelector('#agenda tbody');
          var source = new EventSource(live.getAttribute('data-events'));
          function show(state) {
            live.setAttribute('data-state', state);
            live.querySelector('.state').textContent = live.getAttribute('data-' + state);
          }
          function refresh() {
            fetch(live.getAttribute('data-rows'), {credentials: 'same-origin'})
              .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
              .then(function (rows) { body.innerHTML = rows; live.setAttribute('data-updated', String(Date.now())); })
              .catch(function () { show('closed'); });
          }
          source.onopen = function () { show('open'); };
          source.onerror = function () { show('closed'); };
          source.onmessage = function () { refresh(); };
        })();
        """
}
