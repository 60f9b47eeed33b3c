"""`/f/<stop-token>`: the visitor's feedback form, plain HTML beside the Streamlit app.

It must open fast on a cheap phone over a weak connection and work without JavaScript: one
small page, inline CSS, no script, no font, no image, no third-party anything (the Content
Security Policy forbids it). French by default, `?lang=en` for English.

Protection without tracking: a CSRF token (hidden field + signed SameSite=Strict cookie, the
only cookie), a honeypot field, in-memory rate limits per client and per stop, a one-time
token so a double tap stores one response. Every dynamic text is escaped with `html.escape`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from booking.config import get_settings
from booking.errors import NotFound, ValidationError
from booking.feedback.questionnaire import QuestionnaireInfo, get_questionnaire, text
from booking.feedback.ratelimit import OnceSet, RateLimiter, client_key, retry_after_seconds
from booking.feedback.submit import (
    FormStop,
    questionnaire_for_form,
    stop_for_token,
    submit_response,
)
from booking.i18n import add_messages, format_date, normalise_language, t
from booking.security import looks_like_token

add_messages(
    {
        "fbform.submit": {"fr": "Envoyer mon avis", "en": "Send my feedback"},
        "fbform.other_language": {"fr": "English", "en": "Français"},
        "fbform.where": {"fr": "{venue}, {commune}", "en": "{venue}, {commune}"},
        "fbform.honeypot": {"fr": "Laissez ce champ vide", "en": "Leave this field empty"},
        "fbform.error_intro": {
            "fr": "Votre avis n'a pas encore été enregistré :",
            "en": "Your feedback has not been saved yet:",
        },
        "fbform.thanks_title": {"fr": "Merci !", "en": "Thank you!"},
        "fbform.thanks_body": {
            "fr": "Votre avis est enregistré, de façon anonyme. Bonne suite de visite !",
            "en": "Your feedback is saved, anonymously. Enjoy the rest of your visit!",
        },
        "fbform.not_found_title": {
            "fr": "Questionnaire introuvable",
            "en": "Questionnaire not found",
        },
        "fbform.not_found_body": {
            "fr": "Ce lien ne mène à aucun questionnaire. Vérifiez que vous avez scanné le code de l'affiche.",
            "en": "This link does not lead to any questionnaire. Check that you scanned the poster's code.",
        },
        "fbform.closed_title": {
            "fr": "Cette exposition a poursuivi sa route",
            "en": "This exhibition has moved on",
        },
        "fbform.closed_body": {
            "fr": "« {title} » n'est plus présentée à {venue} depuis le {date}, et son questionnaire est fermé.",
            "en": "“{title}” is no longer shown at {venue} since {date}, and its questionnaire is closed.",
        },
        "fbform.now_at": {
            "fr": "Vous pouvez la retrouver en ce moment ici :",
            "en": "You can find it at the moment here:",
        },
        "fbform.nowhere": {
            "fr": "Elle n'est présentée nulle part en ce moment.",
            "en": "It is not on show anywhere at the moment.",
        },
        "fbform.not_yet_title": {"fr": "Bientôt ici", "en": "Coming soon"},
        "fbform.not_yet_body": {
            "fr": "« {title} » arrive à {venue} le {date} : le questionnaire ouvrira ce jour-là.",
            "en": "“{title}” arrives at {venue} on {date}: the questionnaire opens that day.",
        },
        "fbform.wait_title": {"fr": "Merci de patienter", "en": "Please wait a moment"},
        "fbform.wait_body": {
            "fr": "Beaucoup de réponses arrivent en même temps. Patientez une minute puis envoyez à nouveau : vos réponses sont conservées ci-dessous.",
            "en": "Many answers are arriving at once. Please wait a minute and send again: your answers are kept below.",
        },
        "fbform.wait_body_short": {
            "fr": "Beaucoup de visiteurs en même temps. Patientez une minute puis rechargez la page.",
            "en": "Many visitors at once. Please wait a minute, then reload the page.",
        },
        "fbform.expired_title": {"fr": "Formulaire expiré", "en": "Form expired"},
        "fbform.expired_body": {
            "fr": "Ce formulaire a expiré ou n'a pas pu être vérifié ; rien n'a été enregistré.",
            "en": "This form has expired or could not be verified; nothing was saved.",
        },
        "fbform.reload": {"fr": "Recharger le questionnaire", "en": "Reload the questionnaire"},
        "fbform.bad_request_title": {"fr": "Envoi illisible", "en": "Unreadable submission"},
        "fbform.bad_request_body": {
            "fr": "Cet envoi n'a pas pu être lu ; rien n'a été enregistré.",
            "en": "This submission could not be read; nothing was saved.",
        },
        "fbform.privacy": {
            "fr": "Anonyme : ni compte, ni adresse IP, ni traceur. L'heure de réponse est arrondie à l'heure. Le seul cookie sert à protéger ce formulaire.",
            "en": "Anonymous: no account, no IP address, no tracker. The time of your answer is rounded to the hour. The only cookie protects this form.",
        },
    }
)

CSRF_COOKIE = "fb_csrf"
CSRF_TTL_SECONDS = 3 * 3600
MAX_BODY_BYTES = 16_384
MAX_FIELDS = 100
# The honeypot: invisible to people (and to screen readers), filled by robots. Its name is one
# browsers do not autofill.
HONEYPOT = "hp_extra"
_ROUTE_FIELDS = ("csrf", "lang", HONEYPOT)  # everything else is an answer

# Limits (per process). A whole class behind one school address scans at once: the client
# limit allows it; the stop limit stops a flood on one poster.
CLIENT_POSTS = RateLimiter(burst=40, per_minute=20)
CLIENT_VIEWS = RateLimiter(burst=120, per_minute=120)
STOP_POSTS = RateLimiter(burst=200, per_minute=60)
USED_TOKENS = OnceSet(ttl_seconds=CSRF_TTL_SECONDS)

_PROCESS_SECRET = secrets.token_bytes(32)

# The stop behind a poster, kept a few seconds: a whole class opening one form costs one
# query. Only known stops are kept (bounded); a submission re-checks the stop in its
# transaction anyway.
STOP_TTL_SECONDS = 30.0
_STOPS: OrderedDict[str, tuple[float, FormStop]] = OrderedDict()
_STOPS_LOCK = threading.Lock()
_STOPS_MAX = 5000

_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

_CSS = """
*{box-sizing:border-box}
html{font-size:112.5%;-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.45;color:#1a1a1a;background:#fff}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;line-height:1.2;margin:.4rem 0 .6rem}
.top{display:flex;justify-content:space-between;gap:1rem;font-size:.95rem}
a{color:#8a0048}
.lang{min-height:44px;display:inline-flex;align-items:center;padding:0 .5rem}
fieldset{border:0;margin:1.4rem 0;padding:0;min-width:0}
legend{font-weight:700;font-size:1.08rem;margin-bottom:.5rem;padding:0}
.opt{display:flex;align-items:center;gap:.65rem;min-height:48px;padding:.45rem .75rem;margin:.4rem 0;border:2px solid #6b6b6b;border-radius:.5rem;background:#fff}
.opt input{width:1.45rem;height:1.45rem;margin:0;flex:none;accent-color:#b0005c}
.opt:has(input:checked){border-color:#b0005c;background:#fbeaf2}
.idea{border-top:1px solid #bbb;padding-top:.8rem;margin:.9rem 0}
.idea legend{font-weight:600;font-size:1rem}
.when{font-weight:600;margin:.6rem 0 .2rem}
.scale{display:grid;grid-template-columns:1fr 1fr;gap:.4rem}
.scale .opt{margin:0}
label.text{display:block;font-weight:700;margin-bottom:.3rem}
textarea{width:100%;font:inherit;padding:.6rem;border:2px solid #6b6b6b;border-radius:.5rem;min-height:6rem}
.warn{background:#fff4d6;border-left:4px solid #8a5a00;padding:.5rem .75rem;margin:.4rem 0}
.error{background:#fde8e8;border-left:4px solid #b00020;padding:.6rem .8rem;margin:1rem 0}
.field-error{color:#b00020;font-weight:700;margin:.2rem 0}
.notice{background:#eef4fb;border-left:4px solid #0b4f8a;padding:.6rem .8rem;margin:1rem 0}
button{font:inherit;font-weight:700;width:100%;min-height:52px;border:0;border-radius:.5rem;background:#b0005c;color:#fff;margin:1rem 0 1.5rem;cursor:pointer}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
footer{font-size:.88rem;color:#3d3d3d;border-top:1px solid #ddd;padding-top:.7rem;margin-top:1rem}
ul.places{padding-left:1.2rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------------------- CSRF


def _secret() -> bytes:
    """The signing key: TOURNEE_SECRET_KEY when the deployment sets one (several processes),
    else a random key per process (the embedded single-process default)."""
    configured = get_settings().secret_key or ""
    return configured.encode() if configured else _PROCESS_SECRET


def _sign(payload: str) -> str:
    digest = hmac.new(_secret(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def new_csrf_token(now: float | None = None) -> str:
    payload = f"{int(now if now is not None else time.time())}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_sign(payload)}"


def check_csrf_token(cookie: str | None, field: str | None, now: float | None = None) -> bool:
    """The field matches the cookie, the signature is ours and the token is fresh."""
    if not cookie or not field or len(field) > 100:
        return False
    if not hmac.compare_digest(cookie.encode(), field.encode()):
        return False
    parts = field.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(payload).encode(), parts[2].encode()):
        return False
    age = (now if now is not None else time.time()) - int(parts[0])
    return 0 <= age <= CSRF_TTL_SECONDS


def _set_csrf_cookie(response: Response, request: Request, token: str, path: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=CSRF_TTL_SECONDS,
        path=path,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


# ---------------------------------------------------------------------------- rendering


def _page(title: str, body: str, lang: str, *, alternate: str | None = None) -> str:
    switch = ""
    if alternate is not None:
        switch = f'<a class="lang" href="{_e(alternate)}" hreflang="{_e("en" if lang == "fr" else "fr")}">{_e(t("fbform.other_language", lang))}</a>'
    return (
        f'<!doctype html><html lang="{_e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f'<body><main><div class="top"><span>Tournée</span>{switch}</div>{body}'
        f"<footer>{_e(t('fbform.privacy', lang))}</footer></main></body></html>"
    )


def _message_page(title_key: str, paragraphs: Sequence[str], lang: str, extra: str = "") -> str:
    title = t(title_key, lang)
    body = f"<h1>{_e(title)}</h1>" + "".join(f"<p>{_e(p)}</p>" for p in paragraphs) + extra
    return _page(title, body, lang)


def _option(kind: str, name: str, value: object, label: str, checked: bool, ident: str) -> str:
    mark = " checked" if checked else ""
    return (
        f'<label class="opt" for="{_e(ident)}"><input type="{kind}" id="{_e(ident)}" '
        f'name="{_e(name)}" value="{_e(value)}"{mark}><span>{_e(label)}</span></label>'
    )


def _field_error(name: str, error: tuple[str, str] | None) -> str:
    if error and error[0] == name:
        return f'<p class="field-error">{_e(error[1])}</p>'
    return ""


def _form_html(
    token: str,
    questionnaire: QuestionnaireInfo,
    lang: str,
    csrf: str,
    values: Mapping[str, Sequence[str]],
    error: tuple[str, str] | None,
) -> str:
    d = questionnaire.definition

    def chosen(name: str) -> set[str]:
        return set(values.get(name, ()))

    parts = [
        f'<form method="post" action="/f/{_e(quote(token))}" accept-charset="utf-8">',
        f'<input type="hidden" name="csrf" value="{_e(csrf)}">',
        f'<input type="hidden" name="v" value="{questionnaire.version}">',
        f'<input type="hidden" name="lang" value="{_e(lang)}">',
        f'<div class="hp" aria-hidden="true"><label for="{HONEYPOT}">{_e(t("fbform.honeypot", lang))}</label>'
        f'<input type="text" id="{HONEYPOT}" name="{HONEYPOT}" tabindex="-1" autocomplete="off"></div>',
    ]
    # Rating of the visit
    parts.append(f"<fieldset><legend>{_e(text(d['rating']['label'], lang))}</legend>")
    parts.append(_field_error("rating", error))
    for o in reversed(d["rating"]["options"]):  # the best first: the thumb's usual target
        parts.append(
            _option(
                "radio",
                "rating",
                o["value"],
                text(o["label"], lang),
                str(o["value"]) in chosen("rating"),
                f"rating-{o['value']}",
            )
        )
    parts.append("</fieldset>")
    # Received ideas, before → after
    ideas = d["ideas"]
    parts.append(f"<fieldset><legend>{_e(text(ideas['label'], lang))}</legend>")
    for item in ideas["items"]:
        key = item["key"]
        parts.append(f'<fieldset class="idea"><legend>{_e(text(item["label"], lang))}</legend>')
        for side in ("before", "after"):
            name = f"idea.{key}.{side}"
            parts.append(f'<p class="when">{_e(text(ideas[side], lang))}</p>')
            parts.append(_field_error(name, error))
            parts.append('<div class="scale">')
            for o in ideas["scale"]:
                parts.append(
                    _option(
                        "radio",
                        name,
                        o["value"],
                        text(o["label"], lang),
                        str(o["value"]) in chosen(name),
                        f"{key}-{side}-{o['value']}",
                    )
                )
            parts.append("</div>")
        parts.append("</fieldset>")
    parts.append("</fieldset>")
    # What I will do (several), age band, how I came
    for section, kind in (("will_do", "checkbox"), ("age_band", "radio"), ("came_with", "radio")):
        parts.append(f"<fieldset><legend>{_e(text(d[section]['label'], lang))}</legend>")
        parts.append(_field_error(section, error))
        for o in d[section]["options"]:
            parts.append(
                _option(
                    kind,
                    section,
                    o["value"],
                    text(o["label"], lang),
                    o["value"] in chosen(section),
                    f"{section}-{o['value']}",
                )
            )
        parts.append("</fieldset>")
    comment = d["comment"]
    if comment["enabled"]:
        current = next(iter(values.get("comment", ())), "")
        parts.append(
            f'<p><label class="text" for="comment">{_e(text(comment["label"], lang))}</label></p>'
            f'<p class="warn" id="comment-warning">{_e(text(comment["warning"], lang))}</p>'
            + _field_error("comment", error)
            + f'<textarea id="comment" name="comment" rows="4" maxlength="{int(comment["max_length"])}" '
            f'aria-describedby="comment-warning">{_e(current)}</textarea>'
        )
    parts.append(f'<button type="submit">{_e(t("fbform.submit", lang))}</button></form>')
    return "".join(parts)


def _form_page(
    token: str,
    stop: FormStop | None,
    questionnaire: QuestionnaireInfo,
    lang: str,
    csrf: str,
    *,
    values: Mapping[str, Sequence[str]] | None = None,
    error: tuple[str, str] | None = None,
    notice: str = "",
    heading: str | None = None,
) -> str:
    d = questionnaire.definition
    title = heading or text(d["title"], lang)
    head = f"<h1>{_e(title)}</h1>"
    if stop is not None:
        head += (
            f"<p><strong>{_e(stop.exhibition_title)}</strong><br>"
            f"{_e(t('fbform.where', lang, venue=stop.venue_name, commune=stop.commune))}</p>"
        )
    head += f"<p>{_e(text(d['intro'], lang))}</p>"
    if notice:
        head += f'<div class="notice" role="status">{_e(notice)}</div>'
    if error is not None:
        head += (
            f'<div class="error" role="alert"><p>{_e(t("fbform.error_intro", lang))}</p>'
            f"<p>{_e(error[1])}</p></div>"
        )
    body = head + _form_html(token, questionnaire, lang, csrf, values or {}, error)
    other = "en" if lang == "fr" else "fr"
    return _page(title, body, lang, alternate=f"/f/{quote(token)}?lang={other}")


def _closed_page(stop: FormStop, lang: str) -> str:
    if stop.state == "not_yet":
        return _message_page(
            "fbform.not_yet_title",
            [
                t(
                    "fbform.not_yet_body",
                    lang,
                    title=stop.exhibition_title,
                    venue=stop.venue_name,
                    date=format_date(stop.install_date, lang),
                )
            ],
            lang,
        )
    paragraphs = [
        t(
            "fbform.closed_body",
            lang,
            title=stop.exhibition_title,
            venue=stop.venue_name,
            date=format_date(stop.last_open_date, lang),
        )
    ]
    if stop.now_at:
        items = "".join(
            f"<li><strong>{_e(p.venue_name)}</strong>, {_e(p.commune)}</li>" for p in stop.now_at
        )
        extra = f"<p>{_e(t('fbform.now_at', lang))}</p><ul class='places'>{items}</ul>"
    else:
        extra = f"<p>{_e(t('fbform.nowhere', lang))}</p>"
    return _message_page("fbform.closed_title", paragraphs, lang, extra)


def _html(
    content: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers={**_HEADERS, **(headers or {})})


def _not_found(lang: str) -> HTMLResponse:
    return _html(
        _message_page("fbform.not_found_title", [t("fbform.not_found_body", lang)], lang), 404
    )


# ---------------------------------------------------------------------------- handlers


def _client(request: Request) -> str:
    # The socket peer, used only here, hashed, as an in-memory key: never logged or stored.
    return client_key(request.client.host if request.client else None)


def _lang(value: str | None) -> str:
    return normalise_language(value)


async def _stop(token: str) -> FormStop:
    """`stop_for_token`, remembered for a few seconds (NotFound is never remembered)."""
    now = time.monotonic()
    with _STOPS_LOCK:
        cached = _STOPS.get(token)
        if cached is not None and now - cached[0] < STOP_TTL_SECONDS:
            return cached[1]
    stop = await run_in_threadpool(stop_for_token, token)
    with _STOPS_LOCK:
        _STOPS[token] = (now, stop)
        _STOPS.move_to_end(token)
        while len(_STOPS) > _STOPS_MAX:
            _STOPS.popitem(last=False)
    return stop


async def _show(request: Request) -> Response:
    token = request.path_params["token"]
    lang = _lang(request.query_params.get("lang"))
    wait = CLIENT_VIEWS.hit(_client(request))
    if wait:
        return _html(
            _message_page("fbform.wait_title", [t("fbform.wait_body_short", lang)], lang),
            429,
            {"Retry-After": str(retry_after_seconds(wait))},
        )
    try:
        stop = await _stop(token)
    except NotFound:
        return _not_found(lang)
    if stop.state != "open":
        return _html(_closed_page(stop, lang), 410 if stop.state == "closed" else 200)
    questionnaire = await run_in_threadpool(questionnaire_for_form)
    csrf = new_csrf_token()
    response = _html(_form_page(token, stop, questionnaire, lang, csrf))
    _set_csrf_cookie(response, request, csrf, f"/f/{quote(token)}")
    return response


async def _read_fields(request: Request) -> dict[str, list[str]] | None:
    """The urlencoded body as {field: [values]}; None when too large or unreadable."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    declared = request.headers.get("content-length")
    if declared and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            return None
    try:
        return parse_qs(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        return None


def _first(fields: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[0] if values else None


async def _submit(request: Request) -> Response:
    token = request.path_params["token"]
    query_lang = request.query_params.get("lang")
    wait = CLIENT_POSTS.hit(_client(request))
    fields = await _read_fields(request)
    lang = _lang((fields and _first(fields, "lang")) or query_lang)
    if fields is None:
        return _html(
            _message_page("fbform.bad_request_title", [t("fbform.bad_request_body", lang)], lang),
            400,
        )
    csrf = _first(fields, "csrf")
    if not check_csrf_token(request.cookies.get(CSRF_COOKIE), csrf):
        reload = (
            f'<p><a href="/f/{_e(quote(token))}?lang={lang}">{_e(t("fbform.reload", lang))}</a></p>'
        )
        return _html(
            _message_page("fbform.expired_title", [t("fbform.expired_body", lang)], lang, reload),
            403,
        )
    assert csrf is not None
    thanks = _message_page("fbform.thanks_title", [t("fbform.thanks_body", lang)], lang)
    if any(v.strip() for v in fields.get(HONEYPOT, ())):
        return _html(thanks)  # a robot filled the honeypot: it learns nothing, nothing is kept
    answers = {k: v for k, v in fields.items() if k not in _ROUTE_FIELDS}
    if not wait and looks_like_token(token):
        wait = STOP_POSTS.hit(token)
    if wait:
        questionnaire = await _questionnaire_answered(answers)
        page = _form_page(
            token,
            None,
            questionnaire,
            lang,
            csrf,
            values=answers,
            notice=t("fbform.wait_body", lang),
            heading=t("fbform.wait_title", lang),
        )
        return _html(page, 429, {"Retry-After": str(retry_after_seconds(wait))})
    if not USED_TOKENS.add(csrf):
        return _html(thanks)  # a double tap: the first one was stored
    try:
        await run_in_threadpool(submit_response, token, answers, lang=lang)
    except NotFound:
        USED_TOKENS.discard(csrf)
        return _not_found(lang)
    except ValidationError as exc:
        USED_TOKENS.discard(csrf)
        if exc.key == "feedback.closed":
            try:
                stop = await run_in_threadpool(stop_for_token, token)
            except NotFound:
                return _not_found(lang)
            return _html(_closed_page(stop, lang), 410)
        return await _redisplay(token, lang, csrf, answers, exc)
    except BaseException:
        USED_TOKENS.discard(csrf)
        raise
    return _html(thanks)


async def _questionnaire_answered(answers: Mapping[str, Sequence[str]]) -> QuestionnaireInfo:
    """The version the visitor's form was made from (the active one if unknown)."""
    version = _first(answers, "v") or ""
    found = (
        await run_in_threadpool(get_questionnaire, int(version))
        if version.isdigit() and len(version) < 7
        else None
    )
    if found is not None:
        return found
    return await run_in_threadpool(questionnaire_for_form)


async def _redisplay(
    token: str, lang: str, csrf: str, answers: Mapping[str, Sequence[str]], exc: ValidationError
) -> Response:
    """The form again with the visitor's answers and the problem next to its field."""
    try:
        stop = await _stop(token)
    except NotFound:
        return _not_found(lang)
    if exc.key == "feedback.bad_version":
        questionnaire = await run_in_threadpool(questionnaire_for_form)
        values: Mapping[str, Sequence[str]] = {}
    else:
        questionnaire = await _questionnaire_answered(answers)
        values = answers
    error = (exc.field or "", exc.message(lang))
    return _html(
        _form_page(token, stop, questionnaire, lang, csrf, values=values, error=error), 400
    )


async def feedback_form(request: Request) -> Response:
    if request.method == "POST":
        return await _submit(request)
    return await _show(request)


ROUTES = [Route("/f/{token}", feedback_form, methods=["GET", "POST"])]


def _reset_limits_for_tests() -> None:
    for limiter in (CLIENT_POSTS, CLIENT_VIEWS, STOP_POSTS):
        limiter.reset()
    USED_TOKENS.reset()
    with _STOPS_LOCK:
        _STOPS.clear()
