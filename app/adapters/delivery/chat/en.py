"""English: the chat robots' messages (HUIKUAN_LOCALE=en). ``zh_cn.py`` has the same keys.

Each template is (title, markdown body); ``{name}`` takes a fact from ``render.py``, and a
fact the event lacks shows as "—".
"""

from __future__ import annotations

TEMPLATES: dict[str, tuple[str, str]] = {
    "invoice.overdue": (
        "Invoice overdue: {customer}",
        "**{customer}**: invoice **{invoice}** is **{days_overdue}** days overdue\n"
        "> Outstanding: {outstanding} (of {amount})\n> Due: {due_date}\n> Owner: {owner}",
    ),
    "installment.overdue": (
        "Installment overdue: {customer}",
        "**{customer}**: installment **{installment}** of contract “{contract}” is "
        "**{days_overdue}** days overdue\n> Outstanding: {outstanding} (of {amount})\n"
        "> Due: {due_date}\n> Owner: {owner}",
    ),
    "invoice.dunning_level_changed": (
        "Dunning level raised: {customer}",
        "**{customer}**: invoice **{invoice}** reached dunning level **{level}** ({action})\n"
        "> {days_overdue} days overdue, outstanding: {outstanding}\n> Owner: {owner}",
    ),
    "promise.broken": (
        "Promise to pay broken: {customer}",
        "**{customer}** promised **{amount}** by {promised_date} and did not pay\n"
        "> Still owed: {remaining} (invoice {invoice})",
    ),
    "risk.raised": (
        "Risk raised: {customer}",
        "**{customer}**: new **{severity}** risk ({kind})\n> {description}\n> Owner: {owner}",
    ),
    "risk.escalated": (
        "Risk escalated: {customer}",
        "**{customer}**: risk now **{severity}** ({kind})\n> {description}\n> Owner: {owner}",
    ),
    "target.at_risk": (
        "Target at risk: {target}",
        "Target **{target}** is behind: {collected} of {amount} collected ({percent}%)\n"
        "> {days_left} days left, {required_daily} a day needed\n> Owner: {owner}",
    ),
    "target.missed": (
        "Target missed: {target}",
        "Target **{target}** ended {period_end} short: {collected} of {amount} collected "
        "({percent}%)\n> Owner: {owner}",
    ),
    "installment.unbilled": (
        "Due but not invoiced: {customer}",
        "**{customer}**: installment **{installment}** ({amount}) of contract “{contract}” "
        "fell due {due_date} and is not invoiced\n> Owner: {owner}",
    ),
    "invoice.limitation_expiring": (
        "Limitation period ending: {customer}",
        "**{customer}**: the limitation period of **{invoice}** ({outstanding} outstanding) "
        "ends **{expires_on}**\n> Send a demand or get a confirmation to interrupt it",
    ),
    "installment.limitation_expiring": (
        "Limitation period ending: {customer}",
        "**{customer}**: the limitation period of the uninvoiced installment **{invoice}** "
        "({outstanding} outstanding) ends **{expires_on}**\n> Invoice and send a demand, or get "
        "a confirmation to interrupt it",
    ),
    "approval.requested": (
        "Approval requested: {action}",
        "**{requested_by}** asks to **{action}** ({subject})\n> Approve or reject: {approval_id}",
    ),
    "person.daily_digest": ("{person}: today's work ({date})", "{digest}"),
}

LABELS: dict[str, str] = {
    "digest.worklist": "Top of the worklist",
    "digest.promises_due": "Promises due today",
    "digest.new_overdue": "Newly overdue",
    "digest.tasks_due": "Tasks due",
    "digest.more": "and {count} more",
    "digest.item": "{customer}: {title} ({amount}) — {reasons}",
    "digest.promise": "{customer} promised {amount} for today",
    "digest.overdue": "{customer}: {title} fell due yesterday, {amount} overdue",
    "digest.task": "{title} ({customer}, due {due_date})",
    "separator": ", ",
    "reason.amount_overdue": "{value} overdue",
    "reason.days_overdue": "{value} days overdue",
    "reason.dunning_level": "dunning level {value}",
    "reason.broken_promises": "{value} broken promises",
    "reason.risk_severity": "{value} risk",
    "reason.promise_due_today": "a promise due today",
}
