import { describe, expect, it } from "vitest";
import { mrkdwnToHtml, type MrkdwnContext } from "./mrkdwn";

const ctx: MrkdwnContext = {
  userName: (id) => ({ U0ALICE: "Alice Engineer" })[id],
  channelName: (id) => ({ C0APPROVALS: "access-approvals" })[id],
};

describe("mrkdwnToHtml", () => {
  it.each([
    ["*bold*", "<strong>bold</strong>"],
    ["_italic_", "<em>italic</em>"],
    ["~gone~", "<del>gone</del>"],
    ["`REQ-7Q2`", "<code>REQ-7Q2</code>"],
    ["`*not bold*`", "<code>*not bold*</code>"],
    ["snake_case_name stays", "snake_case_name stays"],
    ["2*3*4", "2*3*4"],
    [
      "*Requester*\n<@U0ALICE>",
      '<strong>Requester</strong><br><span class="mention" data-user-id="U0ALICE">@Alice Engineer</span>',
    ],
    ["<@U0NOBODY>", '<span class="mention" data-user-id="U0NOBODY">@U0NOBODY</span>'],
    ["<#C0APPROVALS>", '<span class="mention">#access-approvals</span>'],
    ["<!date^1767225600^{date_short_pretty}|2026-01-01 00:00 UTC>", "2026-01-01 00:00 UTC"],
    ["<!here>", '<span class="mention">@here</span>'],
    [
      "<https://portal.example.com/requests/1|Open request>",
      '<a href="https://portal.example.com/requests/1" rel="noopener noreferrer" target="_blank">Open request</a>',
    ],
    [
      "*see <https://x.example/|link>*",
      '<strong>see <a href="https://x.example/" rel="noopener noreferrer" target="_blank">link</a></strong>',
    ],
    ["a &lt; b &amp;&amp; c &gt; d", "a &lt; b &amp;&amp; c &gt; d"],
  ])("%j", (source, expected) => {
    expect(mrkdwnToHtml(source, ctx)).toBe(expected);
  });

  it.each([
    ["<javascript:alert(1)|click>", "click"],
    ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    [
      '<https://x.example/"onmouseover="x|label>',
      '<a href="https://x.example/&quot;onmouseover=&quot;x" rel="noopener noreferrer" target="_blank">label</a>',
    ],
    ["<@U0ALICE|<img src=x>>", "&lt;@U0ALICE|img src=x&gt;"],
    ["`<b>`", "<code>&lt;b&gt;</code>"],
  ])("never lets markup through: %j", (source, expected) => {
    expect(mrkdwnToHtml(source, ctx)).toBe(expected);
  });
});
