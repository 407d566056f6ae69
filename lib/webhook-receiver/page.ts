// The receiver's server-rendered page: endpoints with a mode switch, and every delivery newest first.
import { autoRefreshScript, escapeHtml, type PageParts } from "../mail-sink/http-kit";
import { ENDPOINT_MODES, type Delivery, type ReceiverEndpoint } from "./deliveries";

function endpointRow(endpoint: ReceiverEndpoint): string {
  const options = ENDPOINT_MODES.map(
    (mode) => `<option${mode === endpoint.mode ? " selected" : ""}>${mode}</option>`,
  ).join("");
  return `<tr><td><code>/hooks/${escapeHtml(endpoint.name)}</code></td><td><select data-endpoint="${escapeHtml(endpoint.name)}">${options}</select></td></tr>`;
}

function deliveryRow(delivery: Delivery): string {
  const verified = delivery.verified
    ? `<span class="good">✓</span>`
    : `<span class="bad">✗ ${escapeHtml(delivery.failure ?? "")}</span>`;
  const attempt = delivery.repeatOf
    ? `${delivery.attempt} <span class="muted">(repeat of #${delivery.repeatOf})</span>`
    : String(delivery.attempt);
  return (
    `<tr data-seq="${delivery.seq}"><td>#${delivery.seq}</td><td>${escapeHtml(delivery.endpoint)}</td>` +
    `<td><code>${escapeHtml(delivery.webhookId ?? "(none)")}</code></td><td>${escapeHtml(delivery.type ?? "")}</td>` +
    `<td>${verified}</td><td>${escapeHtml(delivery.receivedAt)}</td><td>${attempt}</td>` +
    `<td>${delivery.status ?? "held open"}</td>` +
    `<td><details><summary>body</summary><pre>${escapeHtml(JSON.stringify(delivery.body, null, 2) ?? "")}</pre></details></td></tr>`
  );
}

export function receiverPage(endpoints: ReceiverEndpoint[], deliveries: Delivery[], revision: number): PageParts {
  return {
    title: "Webhook receiver",
    body:
      `<h1>Webhook receiver</h1><h2>Endpoints</h2><table><thead><tr><th>URL</th><th>Mode</th></tr></thead>` +
      `<tbody>${endpoints.map(endpointRow).join("")}</tbody></table><h2>Deliveries</h2>` +
      (deliveries.length
        ? `<table><thead><tr><th></th><th>Endpoint</th><th>webhook-id</th><th>Type</th><th>Verified</th><th>Received</th>` +
          `<th>Attempt</th><th>Answer</th><th></th></tr></thead><tbody>${deliveries.map(deliveryRow).join("")}</tbody></table>`
        : `<p class="muted">No deliveries yet.</p>`),
    script:
      autoRefreshScript("/api/revision", revision) +
      `for(const s of document.querySelectorAll("select[data-endpoint]"))s.onchange=async()=>{await fetch("/_control/endpoints/"+encodeURIComponent(s.dataset.endpoint),{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({mode:s.value})});location.reload()};`,
  };
}
