"""The customer's private link and public page: sent by email when the
survey goes out, answered once without an account, refused when used,
expired, tampered with or closed; bad input refused with a message and
nothing saved; rate-limited; and nothing else of the application reachable
from it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from complaints.models import (
    ImprovementAction,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
)
from complaints.survey import token_hash
from tests.survey.kit import CampaignFactory, InvitationFactory, ask

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LINK = re.compile(r"https?://\S+/complaints/s/([\w-]+)/")


def sent(advance: Any, capture: Any, customers: int = 2) -> tuple[SurveyCampaign, list[str]]:
    """A campaign sent to ``customers`` customers; the tokens of their emails."""
    campaign = CampaignFactory(state=SurveyCampaign.State.APPROVED, asked=False)
    ask(campaign)
    for _ in range(customers):
        InvitationFactory(campaign=campaign)
    mail.outbox.clear()
    with capture(execute=True):  # the emails leave once the step is committed
        campaign = advance.take(campaign, "send_survey")
    tokens = [LINK.search(m.body).group(1) for m in mail.outbox]
    assert len(tokens) == customers
    return campaign, tokens


def page(token: str, lang: str = "en") -> str:
    return reverse("complaints:survey_answer", args=[token]) + f"?lang={lang}"


def answer_data(campaign: SurveyCampaign, **overrides: Any) -> dict[str, str]:
    data = {}
    for q in campaign.questions.all():
        if q.kind == "scale":
            data[f"q_{q.pk}"] = "4"
        elif q.kind == "recommend":
            data[f"q_{q.pk}"] = "9"
    data["comment"] = "Good service."
    data.update(overrides)
    return data


def invitation_of(token: str) -> SurveyInvitation:
    return SurveyInvitation.objects.get(token_hash=token_hash(token))


def saved(campaign: SurveyCampaign) -> tuple[int, int, int]:
    return (
        SurveyInvitation.objects.filter(campaign=campaign, answered_at__isnull=False).count(),
        SurveyAnswer.objects.filter(invitation__campaign=campaign).count(),
        ImprovementAction.objects.filter(invitation__campaign=campaign).count(),
    )


@pytest.fixture
def sent_campaign(advance: Any, django_capture_on_commit_callbacks: Any) -> Any:
    return sent(advance, django_capture_on_commit_callbacks)


def test_only_the_hash_of_a_token_is_kept_and_the_page_shows_only_that_customer(
    sent_campaign, client_for
):
    _campaign, (first, second) = sent_campaign
    stored = set(SurveyInvitation.objects.values_list("token_hash", flat=True))
    assert first not in stored and token_hash(first) in stored
    mine, other = invitation_of(first), invitation_of(second)

    response = client_for(None).get(page(first))

    assert response.status_code == 200
    text = response.content.decode()
    assert mine.customer.name in text
    assert other.customer.name not in text
    assert "Product quality" in text


def test_the_customer_answers_once_and_it_cannot_be_changed(sent_campaign, client_for):
    campaign, (token, _other) = sent_campaign
    client = client_for(None)
    client.get(page(token))

    response = client.post(page(token), answer_data(campaign))

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    invitation = invitation_of(token)
    assert invitation.channel == SurveyInvitation.Channel.LINK
    assert invitation.comment == "Good service."
    assert saved(campaign) == (1, 3, 0)

    again = client.post(page(token), answer_data(campaign, comment="Changed my mind"))

    assert again.status_code == 410
    assert "answered already" in again.content.decode()
    assert invitation_of(token).comment == "Good service."
    assert saved(campaign) == (1, 3, 0)
    assert client.get(page(token)).status_code == 410


def test_low_scores_open_one_action_each_even_when_sent_twice(sent_campaign, client_for):
    campaign, (token, _other) = sent_campaign
    quality = campaign.questions.get(code="quality")
    recommend = campaign.questions.get(code="recommend")
    low = answer_data(campaign, **{f"q_{quality.pk}": "2", f"q_{recommend.pk}": "6"})
    client = client_for(None)

    first = client.post(page(token), low)
    second = client.post(page(token), low)

    assert (first.status_code, second.status_code) == (200, 410)
    assert saved(campaign) == (1, 3, 2)
    actions = ImprovementAction.objects.filter(invitation__campaign=campaign)
    assert sorted(a.answer.question.code for a in actions) == ["quality", "recommend"]


def test_a_tampered_or_unknown_token_is_refused(sent_campaign, client_for):
    campaign, (token, _other) = sent_campaign
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    for bad in (tampered, "x" * 43, "x" * 200):
        response = client_for(None).get(page(bad))
        assert response.status_code == 404
        assert "not valid" in response.content.decode()
    response = client_for(None).post(page(tampered), answer_data(campaign))
    assert response.status_code == 404
    assert saved(campaign) == (0, 0, 0)


def test_one_customers_token_answers_only_that_customers_form(sent_campaign, client_for):
    campaign, (first, second) = sent_campaign
    other = invitation_of(second)

    client_for(None).post(page(first), answer_data(campaign))

    other.refresh_from_db()
    assert other.answered_at is None
    assert not other.answers.exists()
    assert invitation_of(first).answered_at is not None


def test_an_expired_link_is_refused_once_the_campaign_closes(sent_campaign, client_for):
    campaign, (token, _other) = sent_campaign
    SurveyCampaign.objects.filter(pk=campaign.pk).update(
        close_date=timezone.localdate() - timezone.timedelta(days=1)
    )

    shown = client_for(None).get(page(token))
    posted = client_for(None).post(page(token), answer_data(campaign))

    assert (shown.status_code, posted.status_code) == (410, 410)
    assert "closed" in posted.content.decode()
    assert saved(campaign) == (0, 0, 0)


def test_answering_after_the_survey_was_closed_by_the_manager_is_refused(
    sent_campaign, client_for, advance
):
    campaign, (token, _other) = sent_campaign
    campaign = advance.take(campaign, "close_survey")

    response = client_for(None).post(page(token), answer_data(campaign))

    assert response.status_code == 410
    assert "no longer taken" in response.content.decode()
    assert saved(campaign) == (0, 0, 0)


@pytest.mark.parametrize("score", ["6", "0", "-1", "abc", ""])
def test_a_score_outside_its_range_is_refused_with_a_message(sent_campaign, client_for, score):
    campaign, (token, _other) = sent_campaign
    quality = campaign.questions.get(code="quality")

    response = client_for(None).post(
        page(token), answer_data(campaign, **{f"q_{quality.pk}": score})
    )

    assert response.status_code == 400
    assert "Choose a score from 1 to 5." in response.content.decode()
    assert saved(campaign) == (0, 0, 0)


def test_a_recommendation_above_ten_is_refused(sent_campaign, client_for):
    campaign, (token, _other) = sent_campaign
    recommend = campaign.questions.get(code="recommend")

    response = client_for(None).post(
        page(token), answer_data(campaign, **{f"q_{recommend.pk}": "11"})
    )

    assert response.status_code == 400
    assert "Choose a score from 0 to 10." in response.content.decode()
    assert saved(campaign) == (0, 0, 0)


def test_a_comment_over_2000_characters_is_refused_with_a_message(sent_campaign, client_for):
    campaign, (token, _other) = sent_campaign

    response = client_for(None).post(page(token), answer_data(campaign, comment="字" * 2001))

    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert saved(campaign) == (0, 0, 0)


def test_a_100_kb_comment_is_refused_before_it_is_read(sent_campaign, client_for):
    campaign, (token, _other) = sent_campaign

    response = client_for(None).post(page(token), answer_data(campaign, comment="x" * 100_000))

    assert response.status_code == 413
    assert "too long" in response.content.decode()
    assert saved(campaign) == (0, 0, 0)


def test_the_page_is_in_chinese_with_full_width_punctuation(sent_campaign, client_for):
    _campaign, (token, _other) = sent_campaign

    text = client_for(None, language="zh-hans").get(page(token, "zh-hans")).content.decode()

    assert "客户满意度调查" in text
    assert "产品质量" in text
    assert "发送" in text


def test_requests_over_the_limit_get_429_with_a_page(sent_campaign, client_for, settings):
    settings.SURVEY_RATE_LIMIT = "5/h"
    campaign, (token, _other) = sent_campaign
    client = client_for(None)

    statuses = [client.get(page(token)).status_code for _ in range(5)]
    limited = client.get(page(token))
    also_post = client.post(page(token), answer_data(campaign))
    other_token = client.get(page("x" * 43))

    assert statuses == [200] * 5
    assert limited.status_code == 429
    assert "Too many requests" in limited.content.decode()
    assert also_post.status_code == 429
    assert other_token.status_code == 429  # counted by address, whatever the token
    assert saved(campaign) == (0, 0, 0)


class Targets(HTMLParser):
    """Every address a page links to or posts to, and its stylesheets."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.actions: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href") is not None:
            self.links.append(found["href"] or "")
        elif tag == "form":
            self.actions.append(found.get("action") or "")
        elif tag in ("link", "script", "img", "iframe") and (found.get("href") or found.get("src")):
            self.other.append(found.get("href") or found.get("src") or "")


def test_the_public_page_reaches_no_other_address(sent_campaign, client_for, settings):
    campaign, (token, _other) = sent_campaign
    client = client_for(None)
    base = "http://testserver" + page(token)
    own_path = urlsplit(base).path
    pages = [
        client.get(page(token)),
        client.get(page(token, "zh-hans")),
        client.post(page(token), answer_data(campaign, comment="x" * 3000)),
    ]
    for response in pages:
        targets = Targets()
        targets.feed(response.content.decode())
        assert targets.actions or targets.links
        for target in targets.links + targets.actions:
            url = urljoin(base, target)
            assert urlsplit(url).path == own_path, url
            fetched = client.get(url)
            assert fetched.status_code == 200, url
            assert (
                "Customer satisfaction survey" in fetched.content.decode()
                or "客户满意度调查" in fetched.content.decode()
            )
        # Only the page's own stylesheets besides.
        assert all(t.startswith(settings.STATIC_URL) for t in targets.other), targets.other
        assert "/accounts/" not in response.content.decode()
        assert "/admin/" not in response.content.decode()


def test_the_page_still_answers_when_the_shared_cache_is_down(sent_campaign, client_for, settings):
    campaign, (token, _other) = sent_campaign
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }

    shown = client_for(None).get(page(token))
    posted = client_for(None).post(page(token), answer_data(campaign))

    assert (shown.status_code, posted.status_code) == (200, 200)
    assert saved(campaign) == (1, 3, 0)
