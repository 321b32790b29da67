"""The satisfaction survey's own pages: the customer's public page behind
the private link (no account, rate-limited, nothing else reachable from it),
sales entering an answer taken by phone or on paper, the analysis report's
printout and the published reports every member of staff reads."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from accounts.client_ip import client_ip
from workflows.rights import read_record, readable

from .survey import SurveyCampaign, SurveyInvitation, SurveyReport
from .survey_analysis import analysis
from .survey_forms import AnswerForm, EnteredAnswerForm
from .survey_services import SurveyClosed, answer_save, invitation_for_token

logger = logging.getLogger(__name__)

PUBLIC_TEMPLATE = "complaints/survey/public.html"
RATE_GROUP = "complaints.survey_answer"
# The most a customer's answer may post: the scores and a comment of
# COMMENT_MAX characters (a Chinese one is nine bytes percent-encoded).
PUBLIC_BODY_MAX = 32_768
PUBLIC_LANGUAGES = ("zh-hans", "en")


def rate_key(group: str, request: HttpRequest) -> str:
    """The client's address as the login's lockout counts it (nginx's X-Real-IP)."""
    return client_ip(request) or "unknown"


def rate(group: str, request: HttpRequest) -> str:
    """The public page's limit, read when a request comes (settings may change it)."""
    return settings.SURVEY_RATE_LIMIT


def _body_length(request: HttpRequest) -> int:
    """The length the request says its body has (an unreadable one counts as too long)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return PUBLIC_BODY_MAX + 1


def _language(request: HttpRequest) -> str:
    """The page's language: the switch's choice, else the browser's."""
    chosen = request.GET.get("lang", "")
    if chosen in PUBLIC_LANGUAGES:
        return chosen
    current = translation.get_language() or settings.LANGUAGE_CODE
    return "en" if current.startswith("en") else "zh-hans"


def _public(
    request: HttpRequest, status: int, context: dict[str, Any], language: str
) -> HttpResponse:
    with translation.override(language):
        response = render(
            request,
            PUBLIC_TEMPLATE,
            {"language": language, "path": request.path, **context},
            status=status,
        )
    response["X-Robots-Tag"] = "noindex, nofollow"
    # No referrer (with the token) leaves the site; "no-referrer" would also
    # make the browser post the answer with a null origin, which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def limited(request: HttpRequest) -> bool:
    """Counts the request against the client's limit (django-ratelimit, in the
    shared cache); True once over it. A cache that cannot be reached lets the
    customer answer rather than fail the page."""
    try:
        return is_ratelimited(request, group=RATE_GROUP, key=rate_key, rate=rate, increment=True)
    except Exception:  # the cache's errors are the backend's own (Redis down)
        logger.exception("the survey's rate limit could not be counted")
        return False


@login_not_required
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The survey form behind a customer's private link."""
    language = _language(request)
    if limited(request):
        return _public(request, 429, {"problem": "limited"}, language)
    if request.method == "POST" and _body_length(request) > PUBLIC_BODY_MAX:
        return _public(request, 413, {"problem": "too_large"}, language)
    invitation = invitation_for_token(token)
    if invitation is None:
        return _public(request, 404, {"problem": "unknown"}, language)
    campaign = invitation.campaign
    if invitation.answered_at is not None:
        return _public(request, 410, {"problem": "answered", "invitation": invitation}, language)
    if not campaign.accepting:
        return _public(request, 410, {"problem": "closed", "invitation": invitation}, language)
    with translation.override(language):
        questions = list(campaign.questions.all())
        form = AnswerForm(request.POST if request.method == "POST" else None, questions=questions)
        if request.method == "POST" and form.is_valid():
            try:
                answer_save(
                    invitation=invitation,
                    scores=form.scores(),
                    comment=form.cleaned_data.get("comment", ""),
                    channel=SurveyInvitation.Channel.LINK,
                )
            except SurveyClosed as refused:
                return _public(
                    request, 410, {"problem": "closed", "message": str(refused)}, language
                )
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                return _public(request, 200, {"thanks": True, "invitation": invitation}, language)
    return _public(
        request,
        200 if form.is_valid() or not form.is_bound else 400,
        {"invitation": invitation, "campaign": campaign, "form": form},
        language,
    )


def _entering(user: Any, invitation: SurveyInvitation) -> None:
    """Sales may enter the answer of their own customers; sales assistants and
    the marketing manager any customer's."""
    if not user.has_perm("complaints.add_surveyanswer"):
        raise PermissionDenied
    roles = set(user.groups.values_list("name", flat=True))
    if user.is_superuser or roles & {"sales_assistant", "marketing_manager"}:
        return
    if invitation.salesperson_id != user.pk:
        raise PermissionDenied


def _entered_forms(user: Any) -> Any:
    """The forms of running surveys a user may enter answers for: a
    salesperson their own customers', others every customer's."""
    if not user.has_perm("complaints.add_surveyanswer"):
        raise PermissionDenied
    forms = SurveyInvitation.objects.filter(
        campaign__state=SurveyCampaign.State.RUNNING
    ).select_related("campaign", "customer", "salesperson")
    roles = set(user.groups.values_list("name", flat=True))
    if not (user.is_superuser or roles & {"sales_assistant", "marketing_manager"}):
        forms = forms.filter(salesperson=user)
    return forms


@require_safe
def survey_forms(request: HttpRequest) -> HttpResponse:
    """The survey forms of the running surveys: who answered, and a way to
    enter an answer taken by phone or on paper."""
    forms = list(_entered_forms(request.user).order_by("-campaign__year", "customer__name")[:500])
    return render(request, "complaints/survey/forms.html", {"forms": forms})


@require_http_methods(["GET", "POST"])
def survey_enter(request: HttpRequest, pk: int, invitation: int) -> HttpResponse:
    """An answer taken by phone or on paper, entered by sales and marked so."""
    campaign = get_object_or_404(SurveyCampaign, pk=pk)
    found = get_object_or_404(
        SurveyInvitation.objects.select_related("customer", "campaign"),
        pk=invitation,
        campaign=campaign,
    )
    _entering(request.user, found)
    back = reverse("complaints:survey_forms")
    if found.answered_at is not None or not campaign.accepting:
        messages.error(
            request,
            _("This survey was answered already; thank you.")
            if found.answered_at
            else _("This survey is closed: answers are no longer taken."),
        )
        return redirect(back)
    questions = list(campaign.questions.all())
    form = EnteredAnswerForm(
        request.POST if request.method == "POST" else None, questions=questions
    )
    if request.method == "POST" and form.is_valid():
        try:
            answer_save(
                invitation=found,
                scores=form.scores(),
                comment=form.cleaned_data.get("comment", ""),
                channel=form.cleaned_data["channel"],
                answered_on=form.cleaned_data["answered_on"],
                user=request.user,
            )
        except SurveyClosed as refused:
            messages.error(request, str(refused))
            return redirect(back)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("The answer of %(customer)s is saved.") % {"customer": found.customer.name},
            )
            return redirect(back)
    return render(
        request,
        "complaints/survey/enter.html",
        {"record": campaign, "invitation": found, "form": form},
        status=400 if form.is_bound else 200,
    )


def _report_campaign(user: Any, pk: int) -> SurveyCampaign:
    """A published report is read by all staff; an unpublished one by the
    campaign's readers."""
    published = SurveyCampaign.objects.filter(pk=pk, state=SurveyCampaign.State.PUBLISHED).first()
    if published is not None:
        return published
    return read_record(user, SurveyCampaign, pk)


@require_safe
def report_print(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    """A revision of the analysis report (客户满意度分析报告) with its
    figures and charts, printable in the reader's language."""
    campaign = _report_campaign(request.user, pk)
    report = get_object_or_404(
        SurveyReport.objects.select_related("submitted_by", "approved_by"),
        campaign=campaign,
        revision=revision,
    )
    if (
        campaign.state != SurveyCampaign.State.PUBLISHED
        and not readable(request.user, SurveyCampaign).filter(pk=pk).exists()
    ):
        raise PermissionDenied
    return render(
        request,
        "complaints/survey/report_print.html",
        {"record": campaign, "report": report, "analysis": analysis(campaign)},
    )


@require_safe
def published_reports(request: HttpRequest) -> HttpResponse:
    """The published satisfaction reports, for every member of staff."""
    campaigns = list(
        SurveyCampaign.objects.filter(state=SurveyCampaign.State.PUBLISHED)
        .prefetch_related("reports")
        .order_by("-year")
    )
    rows = []
    for c in campaigns:
        approved = [r for r in c.reports.all() if r.approved_at]
        rows.append({"campaign": c, "report": approved[-1] if approved else None})
    return render(request, "complaints/survey/published.html", {"rows": rows})
