/**
 * What an Alertmanager alert becomes as an error (docs/error-learning.md, "Alertmanager"): its
 * signature, its message, and the key that makes a repeated notification of one firing the same
 * error event. Pure.
 *
 * - Signature: `Alert: <alertname>{<label>="<value>", …}` over the labels the operator lists
 *   (`BRAINOPS_ALERT_SIGNATURE_LABELS`, in that order, those the alert has; `alertname` is the
 *   name, never repeated inside the braces), then ` tenant=<id>` for a tenant's alert: one alert of
 *   two tenants is two problems, each with its own error-learning run.
 * - Message: the `summary` annotation, then the `description`, joined by ` — `; the alert's name
 *   and signature labels when it has neither.
 * - Known fixes: only those learned for alerts of the same name ({@link alertSignaturePrefix}):
 *   `DiskFull{service="cache"}` reads much like `RedisDown{service="cache"}`, yet a fix of one is
 *   no fix of the other.
 * - Dedupe key: tenant, fingerprint and `startsAt`. Alertmanager re-sends a firing alert on
 *   `repeat_interval` and whenever its group changes; the same fingerprint and start are the same
 *   firing. A new firing of it starts at another time.
 */

/** The error type of every alert's error event. */
export const ALERT_ERROR_TYPE = 'Alert';

/** The labels of an alert a signature is made of, with the alert's name. */
export interface AlertIdentity {
  labels: Record<string, string>;
  tenantId?: string;
}

/** Values are quoted as PromQL writes them: `\` and `"` escaped. */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * The signature of an alert from `labelNames` (the operator's list).
 * @example alertSignature({ labels: { alertname: 'RedisDown', job: 'redis', service: 'cache' } }, ['alertname', 'service', 'job'])
 *   === 'Alert: RedisDown{service="cache", job="redis"}'
 */
export function alertSignature(alert: AlertIdentity, labelNames: readonly string[]): string {
  const parts = labelNames
    .filter((name) => name !== 'alertname' && alert.labels[name] !== undefined)
    .map((name) => `${name}=${quoted(alert.labels[name]!)}`);
  const tenant = alert.tenantId === undefined ? '' : ` tenant=${alert.tenantId}`;
  return `${ALERT_ERROR_TYPE}: ${alert.labels.alertname ?? ''}{${parts.join(', ')}}${tenant}`;
}

/**
 * The start every signature of alerts named `alertname` shares (`Alert: <name>{`): an alert's
 * known fixes are those learned for alerts of its name, never those of a similar-looking name.
 */
export function alertSignaturePrefix(alertname: string): string {
  return `${ALERT_ERROR_TYPE}: ${alertname}{`;
}

/** The message of an alert's error event: summary — description, or its name and labels. */
export function alertMessage(
  alert: { labels: Record<string, string>; annotations: Record<string, string> },
  labelNames: readonly string[],
): string {
  const text = [alert.annotations.summary, alert.annotations.description]
    .map((s) => s?.trim())
    .filter((s): s is string => Boolean(s));
  if (text.length) return text.join(' — ');
  return `alert ${alertSignature({ labels: alert.labels }, labelNames).slice(ALERT_ERROR_TYPE.length + 2)} is firing`;
}

/** The dedupe key of one firing of an alert: `alertmanager/<tenant or ->/<fingerprint>/<startsAt>`. */
export function alertDedupeKey(alert: { fingerprint: string; startsAt: string; tenantId?: string }): string {
  return `alertmanager/${alert.tenantId ?? '-'}/${alert.fingerprint}/${alert.startsAt}`;
}
