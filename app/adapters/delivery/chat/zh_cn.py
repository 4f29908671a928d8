"""简体中文: the chat robots' messages (HUIKUAN_LOCALE=zh-CN). ``en.py`` has the same keys.

Each template is (title, markdown body); ``{name}`` takes a fact from ``render.py``, and a
fact the event lacks shows as "—".
"""

from __future__ import annotations

TEMPLATES: dict[str, tuple[str, str]] = {
    "invoice.overdue": (
        "发票逾期：{customer}",
        "**{customer}** 的发票 **{invoice}** 已逾期 **{days_overdue}** 天\n"
        "> 未收金额：{outstanding}（发票金额 {amount}）\n> 到期日：{due_date}\n> 负责人：{owner}",
    ),
    "installment.overdue": (
        "回款节点逾期：{customer}",
        "**{customer}** 合同「{contract}」的回款节点 **{installment}** 已逾期 "
        "**{days_overdue}** 天\n> 未收金额：{outstanding}（应收 {amount}）\n> 到期日：{due_date}"
        "\n> 负责人：{owner}",
    ),
    "invoice.dunning_level_changed": (
        "催收升级：{customer}",
        "**{customer}** 的发票 **{invoice}** 催收升至 **{level}** 级（{action}）\n"
        "> 逾期 {days_overdue} 天，未收金额：{outstanding}\n> 负责人：{owner}",
    ),
    "promise.broken": (
        "付款承诺未兑现：{customer}",
        "**{customer}** 承诺于 {promised_date} 支付 **{amount}**，未兑现\n"
        "> 尚欠：{remaining}（发票 {invoice}）",
    ),
    "risk.raised": (
        "新增风险：{customer}",
        "**{customer}** 新增 **{severity}** 级风险（{kind}）\n> {description}\n> 负责人：{owner}",
    ),
    "risk.escalated": (
        "风险升级：{customer}",
        "**{customer}** 的风险升至 **{severity}** 级（{kind}）\n> {description}\n> 负责人：{owner}",
    ),
    "target.at_risk": (
        "目标有落空风险：{target}",
        "回款目标 **{target}** 进度落后：已回款 {collected} / {amount}（{percent}%）\n"
        "> 剩余 {days_left} 天，每日需回款 {required_daily}\n> 负责人：{owner}",
    ),
    "target.missed": (
        "目标未达成：{target}",
        "回款目标 **{target}** 于 {period_end} 到期未达成：已回款 {collected} / {amount}"
        "（{percent}%）\n> 负责人：{owner}",
    ),
    "installment.unbilled": (
        "应开票未开票：{customer}",
        "**{customer}** 合同「{contract}」的回款节点 **{installment}**（{amount}）"
        "已到期 {due_date}，尚未开票\n> 负责人：{owner}",
    ),
    "invoice.limitation_expiring": (
        "诉讼时效即将届满：{customer}",
        "**{customer}** 的应收 **{invoice}**（未收 {outstanding}）诉讼时效将于 "
        "**{expires_on}** 届满\n> 请及时催告或取得对账确认以中断时效",
    ),
    "installment.limitation_expiring": (
        "诉讼时效即将届满：{customer}",
        "**{customer}** 尚未开票的回款节点 **{invoice}**（未收 {outstanding}）诉讼时效将于 "
        "**{expires_on}** 届满\n> 请及时开票催告或取得对账确认以中断时效",
    ),
    "approval.requested": (
        "待审批：{action}",
        "**{requested_by}** 申请 **{action}**（{subject}）\n> 请审批：{approval_id}",
    ),
    "person.daily_digest": ("{person} 今日待办（{date}）", "{digest}"),
}

LABELS: dict[str, str] = {
    "digest.worklist": "重点跟进",
    "digest.promises_due": "今日到期的付款承诺",
    "digest.new_overdue": "新增逾期",
    "digest.tasks_due": "到期任务",
    "digest.more": "另有 {count} 项",
    "digest.item": "{customer}：{title}（{amount}）— {reasons}",
    "digest.promise": "{customer} 今日承诺支付 {amount}",
    "digest.overdue": "{customer}：{title} 昨日到期，逾期金额 {amount}",
    "digest.task": "{title}（{customer}，{due_date} 到期）",
    "separator": "、",
    "reason.amount_overdue": "逾期金额 {value}",
    "reason.days_overdue": "逾期 {value} 天",
    "reason.dunning_level": "催收 {value} 级",
    "reason.broken_promises": "违约承诺 {value} 次",
    "reason.risk_severity": "风险 {value}",
    "reason.promise_due_today": "今日有付款承诺",
}
