"""Agents' API Lambda: the queue, the context package and the actions, plus the console page itself.

Auth: in AWS, API Gateway's Cognito authorizer has checked the token before the handler runs and the
agent is the token's ``cognito:username`` (or ``sub``). Locally (``KEFU_AGENT_API_TOKEN`` set) the
handler checks ``Authorization: Bearer <token>`` and takes the agent from the ``X-Agent-Id`` header.
Logs carry ids and actions only: never message text, names, phones or addresses.
"""

from __future__ import annotations

import hmac
import json
import re
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu.handoff.workspace import Workspace
from kefu.init_phase import end_of_init
from kefu.learning.dashboard import dashboard_csv
from kefu.learning.publish import NothingLearned
from kefu.learning.review import ReviewError
from kefu.models.learning import Candidate
from kefu.models.messages import SAFE_ID
from kefu.platform.client import PlatformError
from kefu.settings import get_settings
from kefu.store.agent_queue import AlreadyClaimed, NotYourTicket, QueueError, TicketClosed, TicketNotFound
from kefu.wiring import AgentServices, build_agent_services

logger = Logger(service="kefu-agent-api")
metrics = Metrics(namespace="kefu", service="kefu-agent-api")
app = APIGatewayRestResolver()
settings = get_settings()
# Reads publish no metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")

CONSOLE_DIR = Path(__file__).resolve().parent / "console"
CONSOLE_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_ASSET_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(html|js|css|svg)$")
_AGENT_ID = re.compile(SAFE_ID)
MAX_REPLY_CHARS = 1000

_workspace: Workspace | None = None
_services: AgentServices | None = None


def services() -> AgentServices:
    """Built on first use, then reused; tests may set their own (set_services, set_workspace)."""
    global _services
    if _services is None:
        _services = build_agent_services(settings)
    return _services


def workspace() -> Workspace:
    return _workspace or services().workspace


def set_workspace(value: Workspace | None) -> None:
    global _workspace
    _workspace = value


def set_services(value: AgentServices | None) -> None:
    global _services
    _services = value


# --- request bodies ------------------------------------------------------------------------------------


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS)
    client_ref: str | None = Field(default=None, pattern=SAFE_ID,
                                   description="the console's id for this send; a retry reuses it")


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str | None = Field(default=None, min_length=1, max_length=MAX_REPLY_CHARS)
    questions: list[str] | None = Field(default=None, min_length=1, max_length=20)


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=200)


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=200)


class GapAnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=1, max_length=MAX_REPLY_CHARS)
    questions: list[str] | None = Field(default=None, min_length=1, max_length=20)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(http_status: int, code: str, message: str, **extra: Any) -> Response:
    return Response(status_code=http_status, content_type=content_types.APPLICATION_JSON,
                    body={"error": code, "message": message, **extra})


def _ok(body: BaseModel | dict[str, Any], status: int = 200) -> Response:
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(payload, ensure_ascii=False),
                    headers={"Cache-Control": "no-store"})


# --- authentication ----------------------------------------------------------------------------------


def _agent_id() -> str:
    event = app.current_event
    if settings.agent_api_token:
        headers = {key.lower(): value for key, value in (event.headers or {}).items()}
        supplied = headers.get("authorization", "")
        expected = f"Bearer {settings.agent_api_token}"
        if not hmac.compare_digest(supplied.encode(), expected.encode()):
            raise ApiError(401, "unauthenticated", "missing or wrong token (Authorization: Bearer <token>)")
        agent = headers.get("x-agent-id", "")
    else:
        claims = event.request_context.authorizer.claims or {}
        agent = str(claims.get("cognito:username") or claims.get("sub") or "")
        if not agent:
            raise ApiError(401, "unauthenticated", "no authenticated agent")
    if not _AGENT_ID.match(agent):
        raise ApiError(401, "unauthenticated", "missing or invalid agent id (X-Agent-Id)")
    return agent


def _body(model: type[BaseModel]) -> Any:
    raw = app.current_event.body or "{}"
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        fields = [".".join(str(part) for part in e["loc"]) or "body" for e in error.errors()]
        raise ApiError(400, "invalid_request", f"invalid fields: {', '.join(fields)}") from None


# --- routes: the queue --------------------------------------------------------------------------------


@app.get("/agent/handoffs")
def list_handoffs() -> Response:
    _agent_id()
    return _ok(workspace().queue_view())


@app.get("/agent/handoffs/<handoff_id>")
def open_handoff(handoff_id: str) -> Response:
    _agent_id()
    return _ok(workspace().open(unquote(handoff_id)))


@app.post("/agent/handoffs/<handoff_id>/claim")
def claim(handoff_id: str) -> Response:
    agent = _agent_id()
    view = workspace().claim(unquote(handoff_id), agent)
    _count("HandoffsClaimed")
    logger.info("claimed", extra=_log_ids(view.handoff_id, agent))
    return _ok(view)


@app.post("/agent/handoffs/<handoff_id>/reply")
def reply(handoff_id: str) -> Response:
    agent = _agent_id()
    request: ReplyRequest = _body(ReplyRequest)
    text = request.text.strip()
    if not text:
        raise ApiError(400, "invalid_request", "invalid fields: text")
    result = workspace().reply(unquote(handoff_id), agent, text, request.client_ref)
    _count("AgentReplies")
    logger.info("replied", extra={**_log_ids(result.handoff_id, agent), "client_msg_id": result.client_msg_id,
                                  "chars": len(text)})
    return _ok(result)


@app.post("/agent/handoffs/<handoff_id>/resolve")
def resolve(handoff_id: str) -> Response:
    agent = _agent_id()
    view = workspace().resolve(unquote(handoff_id), agent)
    _count("HandoffsResolved")
    logger.info("resolved", extra=_log_ids(view.handoff_id, agent))
    return _ok(view)


@app.post("/agent/handoffs/<handoff_id>/give-back")
def give_back(handoff_id: str) -> Response:
    agent = _agent_id()
    view = workspace().give_back(unquote(handoff_id), agent)
    _count("HandoffsGivenBack")
    logger.info("given back", extra=_log_ids(view.handoff_id, agent))
    return _ok(view)


# --- routes: the knowledge review, the unanswered questions, the dashboard ---------------------------


@app.get("/agent/knowledge/candidates")
def list_candidates() -> Response:
    _agent_id()
    status = (app.current_event.query_string_parameters or {}).get("status", "pending")
    if status not in {"pending", "approved", "merged", "rejected", "all"}:
        raise ApiError(400, "invalid_request", "status must be pending, approved, merged, rejected or all")
    return _ok({"candidates": [c.model_dump(mode="json") for c in services().review.candidates(status)]})


@app.post("/agent/knowledge/candidates/<candidate_id>/approve")
def approve_candidate(candidate_id: str) -> Response:
    agent = _agent_id()
    request: ApproveRequest = _body(ApproveRequest)
    return _decided("approved", agent,
                    services().review.approve(unquote(candidate_id), agent, request.answer, request.questions))


@app.post("/agent/knowledge/candidates/<candidate_id>/merge")
def merge_candidate(candidate_id: str) -> Response:
    agent = _agent_id()
    request: MergeRequest = _body(MergeRequest)
    return _decided("merged", agent, services().review.merge(unquote(candidate_id), agent, request.item_id))


@app.post("/agent/knowledge/candidates/<candidate_id>/reject")
def reject_candidate(candidate_id: str) -> Response:
    agent = _agent_id()
    request: RejectRequest = _body(RejectRequest)
    return _decided("rejected", agent, services().review.reject(unquote(candidate_id), agent, request.note))


def _decided(verb: str, agent: str, candidate: Candidate) -> Response:
    _count(f"Candidates{verb.capitalize()}")
    logger.info(f"candidate {verb}", extra={"candidate_id": candidate.candidate_id, "agent_id": agent})
    return _ok(candidate)


@app.get("/agent/knowledge/gaps")
def list_gaps() -> Response:
    _agent_id()
    return _ok({"gaps": [gap.model_dump(mode="json") for gap in services().review.gaps()]})


@app.post("/agent/knowledge/gaps/<gap_id>/answer")
def answer_gap(gap_id: str) -> Response:
    agent = _agent_id()
    request: GapAnswerRequest = _body(GapAnswerRequest)
    version = services().review.answer_gap(unquote(gap_id), agent, request.answer, request.questions)
    _count("GapsAnswered")
    logger.info("gap answered", extra={"gap_id": unquote(gap_id), "agent_id": agent})
    return _ok({"item_id": f"taught-{unquote(gap_id).removeprefix('g-')}", "version": version})


def _days() -> int:
    raw = (app.current_event.query_string_parameters or {}).get("days", "7")
    if not raw.isdigit() or not 1 <= int(raw) <= 92:
        raise ApiError(400, "invalid_request", "days must be a whole number from 1 to 92")
    return int(raw)


@app.get("/agent/dashboard")
def dashboard() -> Response:
    _agent_id()
    figures = services().insights.dashboard(_days())
    return _ok(figures.model_dump(mode="json", by_alias=True))


@app.get("/agent/dashboard.csv")
def dashboard_export() -> Response:
    _agent_id()
    days = _days()
    body = dashboard_csv(services().insights.dashboard(days))
    return Response(status_code=200, content_type="text/csv; charset=utf-8", body=body,
                    headers={"Cache-Control": "no-store",
                             "Content-Disposition": f'attachment; filename="kefu-dashboard-{days}d.csv"'})


def _log_ids(handoff_id: str, agent: str) -> dict[str, str]:
    """The handoff by its trigger message id (the responder logs the same id), never by the buyer's id."""
    return {"message_id": handoff_id.rsplit("~", 1)[-1], "agent_id": agent}


def _count(name: str) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


# --- routes: the console (static, no data in it: the page calls the API with the agent's token) -------


@app.get("/console")
def console_index() -> Response:
    if app.current_event.path.endswith("/"):
        return _to_console()
    return _asset("index.html")


@app.get("/console/<name>")
def console_asset(name: str) -> Response:
    if name == "index.html":
        return _to_console()
    return _asset(name)


def _to_console() -> Response:
    """The page's relative links assume the URL .../console; a relative Location keeps the stage prefix."""
    return Response(status_code=302, content_type="text/plain", body="", headers={"Location": "../console"})


def _asset(name: str) -> Response:
    path = CONSOLE_DIR / name
    if not _ASSET_NAME.match(name) or not path.is_file():
        return _error(404, "not_found", "no such console file")
    return Response(status_code=200, content_type=CONSOLE_TYPES[path.suffix], body=path.read_text("utf-8"),
                    headers={"Cache-Control": "no-cache"})


# --- errors ------------------------------------------------------------------------------------------


@app.exception_handler(ApiError)
def _api_error(error: ApiError) -> Response:
    return _error(error.status, error.code, error.message)


@app.exception_handler(ReviewError)
def _review_error(error: ReviewError) -> Response:
    return _error(error.status, error.code, error.message)


@app.exception_handler(NothingLearned)
def _nothing_learned(error: NothingLearned) -> Response:
    return _error(409, "no_knowledge", "店铺知识尚未学习，请先上传店铺资料")


@app.exception_handler(QueueError)
def _queue_error(error: QueueError) -> Response:
    status = error.ticket.status.value if error.ticket else None
    if isinstance(error, TicketNotFound):
        return _error(404, "not_found", "no such handoff")
    if isinstance(error, AlreadyClaimed):
        return _error(409, "already_claimed", "已被其他客服接待", status=status, claimed_by=error.claimed_by)
    if isinstance(error, NotYourTicket):
        return _error(409, "not_your_ticket", "该会话由其他客服接待中", status=status)
    if isinstance(error, TicketClosed):
        return _error(409, "invalid_state", str(error), status=status)
    return _error(409, "conflict", str(error), status=status)


@app.exception_handler(PlatformError)
def _platform_error(error: PlatformError) -> Response:
    logger.warning("platform refused", extra={"code": str(error.code), "retryable": error.retryable})
    return _error(502, "platform_error", "消息发送失败，请稍后重试", retryable=error.retryable)


@app.not_found
def _not_found(_: Exception) -> Response:
    return _error(404, "not_found", "no such route")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


end_of_init()  # last: everything above is init
