"""Short prompt/response texts for the demo calls.

Texts are templates rendered once into fixed pools (so per-call work is a list
lookup). A few deliberately contain markup, entities, spreadsheet formulas and
newlines: the app must show them as plain text.
"""

from __future__ import annotations

import random

MAX_CHARS = 160

LANGUAGES = ("en", "de", "fr", "es", "ja", "pt", "hi")

LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "ja": "Japanese",
    "pt": "Portuguese",
    "hi": "Hindi",
}

# Support-chat user messages. Slots: {order} {n} {product} {plan}.
ASK: dict[str, tuple[str, ...]] = {
    "en": (
        "Hi, my order {order} still says processing, can you check?",
        "How do I add {n} more seats to our {plan} plan?",
        "Why does my invoice show <b>overdue</b> when I paid last week?",
        "Our company name prints as Tom &amp; Jerry Ltd on the receipt",
        "The CSV export puts =SUM(A1:A9) in column B, is that expected?",
        'Here is the error:\nTraceback (most recent call last):\n  File "sync.py", line {n}',
        "Can I downgrade from {plan} without losing my {product} data?",
        "thanks, that worked! one more thing: where do I find the API key?",
        "The {product} widget is blank on Safari since this morning",
    ),
    "de": (
        "Hallo, meine Bestellung {order} ist seit {n} Tagen nicht angekommen.",
        "Wie ändere ich die Rechnungsadresse für unseren {plan}-Tarif?",
        "Können Sie mir erklären, warum {product} doppelt abgebucht wurde?",
        "Danke! Und wie exportiere ich die Daten als Excel-Datei?",
        "Die Umlaute in Straßennamen werden falsch angezeigt: Müller → MÃ¼ller",
        "Ich möchte {n} weitere Lizenzen für {product} bestellen.",
    ),
    "fr": (
        "Bonjour, ma commande {order} n'est toujours pas expédiée.",
        "Comment puis-je passer au forfait {plan} en cours de mois ?",
        "Le prélèvement pour {product} a échoué, que dois-je faire ?",
        "Merci ! Et où se trouve la facture de décembre ?",
        "Pourquoi l'accès à {product} est-il refusé pour {n} collègues ?",
    ),
    "es": (
        "Hola, ¿dónde está mi pedido {order}? Ya pasaron {n} días.",
        "¿Cómo cambio el método de pago del plan {plan}?",
        "No puedo iniciar sesión en {product} desde el móvil.",
        "¡Gracias! ¿Y cómo descargo la factura en PDF?",
        "Necesito {n} licencias más para el equipo de ventas.",
    ),
    "ja": (
        "注文{order}がまだ発送されていません。確認をお願いします。",
        "{plan}プランにユーザーを{n}人追加する方法を教えてください。",
        "{product}にログインできません。パスワードは正しいはずです。",
        "ありがとうございます。請求書はどこからダウンロードできますか？",
        "解約手続きについて教えてください。",
    ),
    "pt": (
        "Olá, meu pedido {order} ainda não chegou. Podem verificar?",
        "Como faço para mudar para o plano {plan}?",
        "A cobrança de {product} veio duplicada este mês.",
        "Obrigado! E como emito a nota fiscal?",
        "Preciso de {n} acessos a mais para a equipe.",
    ),
    "hi": (
        "नमस्ते, मेरा ऑर्डर {order} अभी तक नहीं पहुँचा है।",
        "{plan} प्लान में {n} और यूज़र कैसे जोड़ें?",
        "{product} में लॉगिन नहीं हो रहा है, कृपया मदद करें।",
        "धन्यवाद! इनवॉइस कहाँ मिलेगा?",
    ),
}

# What users paste into a chat (a big message): logs, mail threads, tables.
PASTE: tuple[str, ...] = (
    "Here is the full log:\n09:12:01 ERROR sync failed (code=E{m})\n09:12:02 WARN retry {n}/5 …",
    "Forwarding the whole thread below ↓\n-----Original Message-----\nFrom: billing@example.com",
    "Pasting our export:\nname;amount;formula\nAcme;{m};=SUM(A1:A{n})\n…",
    "<html><body><b>Invoice #{m}</b> &amp; attachments…</body></html> (copied from the email)",
)

REPLY: dict[str, tuple[str, ...]] = {
    "en": (
        "I checked order {order}: it shipped today and should arrive within {n} days.",
        "You can add seats under Settings → Billing → Seats. The {plan} plan is billed per seat.",
        "Sorry! The payment is recorded; the <b>overdue</b> badge clears within 24 hours.",
        "Good catch. Exports escape formulas now; re-run the export to get plain values.",
        "Your API key is under Settings → Developers. Keep it secret.",
    ),
    "de": (
        "Ich habe die Bestellung {order} geprüft: Sie wurde heute versendet.",
        "Die Rechnungsadresse ändern Sie unter Einstellungen → Abrechnung.",
        "Die doppelte Abbuchung für {product} erstatten wir innerhalb von {n} Werktagen.",
        "Gern! Unter Export → Excel (.xlsx) finden Sie die Datei.",
    ),
    "fr": (
        "J'ai vérifié la commande {order} : elle part aujourd'hui.",
        "Vous pouvez changer de forfait à tout moment ; le prorata est automatique.",
        "Le prélèvement sera retenté dans {n} jours, aucune action n'est nécessaire.",
    ),
    "es": (
        "Revisé el pedido {order}: sale hoy y llega en {n} días hábiles.",
        "Puede cambiar el método de pago en Configuración → Facturación.",
        "¡Con gusto! La factura está en Cuenta → Documentos.",
    ),
    "ja": (
        "ご注文{order}は本日発送されました。{n}日以内に到着予定です。",
        "設定 → 請求 からユーザーを追加できます。",
        "お手数ですが、パスワードを再設定してください。",
    ),
    "pt": (
        "Verifiquei o pedido {order}: foi enviado hoje e chega em {n} dias.",
        "Você pode mudar de plano em Configurações → Assinatura.",
        "A cobrança duplicada de {product} será estornada em {n} dias úteis.",
    ),
    "hi": (
        "मैंने ऑर्डर {order} देखा: यह आज भेज दिया गया है।",
        "सेटिंग्स → बिलिंग में जाकर यूज़र जोड़ सकते हैं।",
    ),
}

# Popular FAQ search queries: sent verbatim again and again.
FAQ: dict[str, tuple[str, ...]] = {
    "en": (
        "how do i reset my password",
        "refund policy",
        "change billing address",
        "cancel subscription",
        "export data to csv",
        "what is the api rate limit",
        "invite team members",
        "two-factor authentication not working",
    ),
    "de": ("passwort zurücksetzen", "rückerstattung", "rechnung herunterladen", "konto löschen"),
    "fr": ("réinitialiser le mot de passe", "remboursement", "télécharger la facture"),
    "es": ("restablecer contraseña", "política de reembolso", "cancelar suscripción"),
    "ja": ("パスワード再設定", "返金について", "請求書 ダウンロード"),
    "pt": ("redefinir senha", "reembolso", "cancelar assinatura"),
    "hi": ("पासवर्ड रीसेट", "रिफंड नीति"),
}

# Free-form search queries. Slots: {product} {n}.
QUERY: dict[str, tuple[str, ...]] = {
    "en": (
        "does {product} support SSO with Okta",
        "limit on file size for uploads over {n} MB",
        "difference between {product} Pro and Team",
        "webhook retries after 5xx",
    ),
    "de": ("unterstützt {product} SAML", "maximale Dateigröße {n} MB"),
    "fr": ("{product} compatible avec SAML ?", "taille maximale des fichiers"),
    "es": ("¿{product} funciona sin conexión?", "límite de {n} MB"),
    "ja": ("{product} SSO 対応", "ファイルサイズ上限 {n}MB"),
    "pt": ("{product} funciona offline?", "limite de upload {n} MB"),
    "hi": ("{product} SSO सपोर्ट", "फ़ाइल साइज़ सीमा"),
}

ANSWER: dict[str, tuple[str, ...]] = {
    "en": (
        "Go to Settings → Security and choose Reset password; a link is emailed to you.",
        "Refunds are available within 30 days of purchase (see Billing &amp; Refunds).",
        "Yes. {product} supports SAML SSO on the Team plan and above.",
    ),
    "de": ("Unter Einstellungen → Sicherheit können Sie Ihr Passwort zurücksetzen.",),
    "fr": ("Rendez-vous dans Paramètres → Sécurité pour réinitialiser le mot de passe.",),
    "es": ("Vaya a Configuración → Seguridad y elija «Restablecer contraseña».",),
    "ja": ("設定 → セキュリティ から再設定できます。",),
    "pt": ("Acesse Configurações → Segurança e escolha Redefinir senha.",),
    "hi": ("सेटिंग्स → सुरक्षा में जाकर पासवर्ड रीसेट करें।",),
}

# Support tickets to classify. Slots: {order} {n}.
TICKET: dict[str, tuple[str, ...]] = {
    "en": (
        "Charged twice for order {order}",
        "App crashes when I open the calendar view",
        "Please add dark mode",
        "Cell shows =SUM(A1) instead of the total",
        "Can't log in after the update",
        "Where is my invoice for {order}?",
    ),
    "de": ("Doppelte Abbuchung bei Bestellung {order}", "App stürzt beim Öffnen ab"),
    "fr": ("Double prélèvement sur la commande {order}", "Impossible de me connecter"),
    "es": ("Cobro duplicado en el pedido {order}", "La app se cierra sola"),
    "ja": ("二重請求されています（注文{order}）", "アプリが起動しません"),
    "pt": ("Cobrança duplicada no pedido {order}", "O app fecha sozinho"),
    "hi": ("ऑर्डर {order} के लिए दो बार चार्ज हुआ", "ऐप खुल नहीं रहा"),
}

# Automated mails that land in the classifier verbatim, many times a day.
CANNED_TICKETS: tuple[str, ...] = (
    "Automatic reply: I am out of the office until Monday.",
    "Undeliverable: Your message could not be delivered",
    "Unsubscribe",
    "Abwesenheitsnotiz: Ich bin ab dem 3. wieder im Büro.",
    "test",
)

LABELS = ("billing", "bug", "feature_request", "account", "auto_reply", "other")

DOC: dict[str, tuple[str, ...]] = {
    "en": (
        "Summarize the attached meeting notes ({n} pages) in five bullets",
        "Summarize this customer call transcript for the CRM",
        "TL;DR of the incident report INC-{n}",
    ),
    "de": ("Fasse das Protokoll der Vorstandssitzung ({n} Seiten) zusammen",),
    "fr": ("Résume le compte rendu de réunion ({n} pages)",),
    "es": ("Resume la transcripción de la llamada con el cliente",),
    "ja": ("会議議事録（{n}ページ）を要約してください",),
    "pt": ("Resuma a ata da reunião ({n} páginas)",),
    "hi": ("बैठक के नोट्स ({n} पेज) का सारांश दें",),
}

SUMMARY: dict[str, tuple[str, ...]] = {
    "en": (
        "• Q3 launch moved to Sept {n}\n• Budget approved\n• Hiring freeze lifted",
        "Customer wants annual billing; follow up on the SSO question by Friday.",
    ),
    "de": ("• Budget genehmigt\n• Einführung verschoben\n• Nächstes Treffen in {n} Wochen",),
    "fr": ("• Budget validé\n• Lancement reporté de {n} semaines",),
    "es": ("El cliente quiere facturación anual y soporte en español.",),
    "ja": ("・予算承認\n・リリースは{n}週間延期",),
    "pt": ("• Orçamento aprovado\n• Lançamento adiado em {n} semanas",),
    "hi": ("• बजट स्वीकृत\n• लॉन्च {n} सप्ताह आगे बढ़ा",),
}

# One source sentence in every language: translate prompts pick source and target.
SENTENCES: tuple[dict[str, str], ...] = (
    {
        "en": "Your order has shipped and will arrive soon.",
        "de": "Ihre Bestellung wurde versandt und kommt bald an.",
        "fr": "Votre commande a été expédiée et arrivera bientôt.",
        "es": "Su pedido ha sido enviado y llegará pronto.",
        "ja": "ご注文の商品は発送済みで、まもなく到着します。",
        "pt": "Seu pedido foi enviado e chegará em breve.",
        "hi": "आपका ऑर्डर भेज दिया गया है और जल्द ही पहुँचेगा।",
    },
    {
        "en": "Please confirm your email address to continue.",
        "de": "Bitte bestätigen Sie Ihre E-Mail-Adresse, um fortzufahren.",
        "fr": "Veuillez confirmer votre adresse e-mail pour continuer.",
        "es": "Confirme su dirección de correo para continuar.",
        "ja": "続行するにはメールアドレスを確認してください。",
        "pt": "Confirme seu endereço de e-mail para continuar.",
        "hi": "जारी रखने के लिए कृपया अपना ईमेल पता पुष्टि करें।",
    },
    {
        "en": "The meeting is moved to Thursday at 3 pm.",
        "de": "Das Meeting wird auf Donnerstag, 15 Uhr, verschoben.",
        "fr": "La réunion est déplacée à jeudi 15 h.",
        "es": "La reunión se traslada al jueves a las 15 h.",
        "ja": "会議は木曜日の午後3時に変更になりました。",
        "pt": "A reunião foi remarcada para quinta às 15h.",
        "hi": "बैठक गुरुवार दोपहर 3 बजे कर दी गई है।",
    },
    {
        "en": "Prices include VAT & shipping.",
        "de": "Die Preise enthalten MwSt. & Versand.",
        "fr": "Les prix incluent la TVA et la livraison.",
        "es": "Los precios incluyen IVA y envío.",
        "ja": "価格には消費税と送料が含まれます。",
        "pt": "Os preços incluem impostos e frete.",
        "hi": "कीमतों में जीएसटी और शिपिंग शामिल है।",
    },
)

REVIEW_ASK: tuple[str, ...] = (
    "Review PR #{n}: add retry with backoff to the payment client",
    "Review PR #{n}: migrate user table to UUID keys",
    "Review this diff:\n- if (x == null) return;\n+ if (x === undefined || x === null) return;",
    "Why is the lock in cache.py line {n} needed?",
    "Can you suggest a test for the <Table> component change?",
)

REVIEW_REPLY: tuple[str, ...] = (
    "Looks good overall. Two issues: the retry loop never caps the delay, and line {n} swallows "
    "the exception.",
    "The migration is not reversible; add a down step and backfill in batches of {n}k rows.",
    "Nit: prefer `is None`. Otherwise LGTM.",
    "Without the lock two workers can both miss the cache and write twice.",
)

AGENT_TASK: dict[str, tuple[str, ...]] = {
    "en": (
        "Research the top {n} competitors in EU payroll software and write a comparison",
        "Find all open incidents mentioning timeouts and draft a root-cause summary",
        "Plan a migration of our billing service to the new API, step by step",
    ),
    "de": ("Recherchiere die {n} wichtigsten Anbieter für Lohnabrechnung in der DACH-Region",),
    "fr": ("Analyse les {n} principaux concurrents sur le marché français",),
    "es": ("Investiga los {n} principales competidores en México",),
    "ja": ("国内の競合{n}社を調査し、比較表を作成してください",),
    "pt": ("Pesquise os {n} principais concorrentes no Brasil",),
    "hi": ("भारत में {n} प्रमुख प्रतिस्पर्धियों पर शोध करें",),
}

TOOL_RESULT: tuple[str, ...] = (
    "[tool_result web_fetch] 200 OK https://example.com/pricing ({n} chars)",
    "[tool_result search_docs] {n} matches; top: 'Billing API v2 migration guide'",
    "[tool_result run_sql] {n} rows: incident_id, title, opened_at, severity",
    "[tool_result read_file] src/billing/client.py ({n} lines)",
)

AGENT_STEP: tuple[str, ...] = (
    'Calling search_docs(query="billing api v2 breaking changes")',
    'Calling web_fetch(url="https://example.com/pricing")',
    "I have enough on pricing; next I will compare feature matrices.",
    "Calling run_sql(query=\"SELECT * FROM incidents WHERE title ILIKE '%timeout%'\")",
    "Delegating to researcher: collect public pricing pages for the {n} vendors.",
)

AGENT_REPORT: tuple[str, ...] = (
    "## Findings\n1. Three vendors lead on price\n2. Only two support SSO\n(full report attached)",
    "Root cause: connection pool exhausted under load; fix by raising the pool to {n}.",
)

RESEARCHER_TASK: tuple[str, ...] = (
    "Collect public pricing for vendor {n} and return a table",
    "Search the web for recent reviews of vendor {n}",
)

RESEARCHER_REPLY: tuple[str, ...] = (
    "Vendor {n}: Starter €9/user, Pro €19/user, Enterprise on request (source: pricing page).",
    "Found {n} reviews; common complaints: slow support, missing API.",
)

DIGEST: dict[str, str] = {
    "en": "Write today's digest for workspace {tenant}: {n} events, {m} new tickets",
    "de": "Erstelle die Tageszusammenfassung für {tenant}: {n} Ereignisse, {m} neue Tickets",
    "fr": "Rédige le résumé du jour pour {tenant} : {n} événements, {m} nouveaux tickets",
    "es": "Escribe el resumen diario de {tenant}: {n} eventos, {m} tickets nuevos",
    "ja": "{tenant}の本日のダイジェストを作成：イベント{n}件、新規チケット{m}件",
    "pt": "Escreva o resumo diário de {tenant}: {n} eventos, {m} novos tickets",
    "hi": "{tenant} के लिए आज का सारांश लिखें: {n} घटनाएँ, {m} नए टिकट",
}

DIGEST_REPLY: dict[str, str] = {
    "en": "Today: {m} new tickets (billing up {n}%), 2 incidents resolved, churn risk: low.",
    "de": "Heute: {m} neue Tickets (Abrechnung +{n} %), 2 Störungen behoben.",
    "fr": "Aujourd'hui : {m} nouveaux tickets (facturation +{n} %), 2 incidents résolus.",
    "es": "Hoy: {m} tickets nuevos (facturación +{n} %), 2 incidencias resueltas.",
    "ja": "本日：新規チケット{m}件（請求関連 +{n}%）、障害2件解決。",
    "pt": "Hoje: {m} novos tickets (cobrança +{n}%), 2 incidentes resolvidos.",
    "hi": "आज: {m} नए टिकट (बिलिंग +{n}%), 2 घटनाएँ हल।",
}

CHUNK: tuple[str, ...] = (
    "chunk {n}/{m} of handbook-v3.pdf: 'Refund policy: customers may request…'",
    "chunk {n}/{m} of api-reference.md: '## Rate limits\\nEach key may send…'",
    "chunk {n}/{m} of release-notes-2026.md: 'Fixed: &amp; shown in titles'",
    "chunk {n}/{m} of faq.html: '<h2>Billing</h2><p>Invoices are…'",
)

_PRODUCTS = ("Ledger", "Orbit", "Pulse", "Atlas", "Beacon")
_PLANS = ("Starter", "Team", "Business", "Enterprise")


def clip(text: str) -> str:
    """Keep texts short: the log stores a preview, not the whole prompt."""
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def render(template: str, rng: random.Random, **fixed: str) -> str:
    """Fill a template's slots with plausible values."""
    values = {
        "order": f"#{rng.randrange(10_000, 99_999)}",
        "n": str(rng.randrange(2, 48)),
        "m": str(rng.randrange(3, 400)),
        "product": rng.choice(_PRODUCTS),
        "plan": rng.choice(_PLANS),
        "tenant": "",
    }
    values.update(fixed)
    return clip(template.format(**values))


def pool(
    templates: tuple[str, ...], rng: random.Random, size: int, **fixed: str
) -> tuple[str, ...]:
    """A fixed pool of rendered texts, so per-call work is one index."""
    return tuple(render(templates[i % len(templates)], rng, **fixed) for i in range(size))


def for_language(table: dict[str, tuple[str, ...]], lang: str) -> tuple[str, ...]:
    return table.get(lang) or table["en"]
