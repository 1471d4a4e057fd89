/**
 * The body Prometheus Alertmanager's `webhook_configs` receiver POSTs (protocol version "4", as
 * `notify/webhook/webhook.go` and `template/template.go` of Alertmanager define it): the group's
 * receiver and status, its alerts, the group's and the common labels and annotations, the external
 * URL, the group key and how many alerts `max_alerts` left out. Its fields are Alertmanager's own
 * camelCase names, taken as sent. Fields Alertmanager adds (v0.35 sends `notification_reason` and
 * `routeLabels`) are tolerated; the fields BrainOps reads are checked.
 */
import { z } from 'zod';
import { LIMITS, storable } from './limits';

/** The most alerts one notification may carry (Alertmanager's `max_alerts`, 0 = all, is the sender's cap). */
export const MAX_ALERTS_PER_NOTIFICATION = 1000;

/** A label or annotation set: names to string values (Prometheus's `KV`). */
const labelSet = z.record(storable(z.string().max(200)), storable(z.string().max(10_000)));

/** Alertmanager's time stamps: RFC 3339 with any precision and offset (`0001-01-01T00:00:00Z` when unset). */
const time = z.iso.datetime({ offset: true });

/**
 * One alert of a notification. Its labels and annotations together, as UTF-8 JSON, are at most
 * `LIMITS.metadataBytes` (64 KiB: they are its error event's context).
 */
export const alertmanagerAlertSchema = z
  .looseObject({
    status: z.enum(['firing', 'resolved']),
    labels: labelSet.refine((labels) => typeof labels.alertname === 'string' && labels.alertname.length > 0, {
      message: 'an alert needs its alertname label',
    }),
    annotations: labelSet.default({}),
    startsAt: time,
    endsAt: time.optional(),
    generatorURL: storable(z.string().max(10_000)).default(''),
    /** Alertmanager's hash of the alert's labels: one alert across its notifications. */
    fingerprint: storable(z.string().min(1).max(200)),
  })
  .superRefine((alert, ctx) => {
    const bytes = Buffer.byteLength(JSON.stringify([alert.labels, alert.annotations]), 'utf8');
    if (bytes > LIMITS.metadataBytes)
      ctx.addIssue({
        code: 'custom',
        path: ['annotations'],
        message: `labels and annotations are ${bytes} bytes of JSON together; at most ${LIMITS.metadataBytes}`,
      });
  });
export type AlertmanagerAlert = z.output<typeof alertmanagerAlertSchema>;

/** The webhook body (version "4"). */
export const alertmanagerNotificationShape = {
  version: z.literal('4', { error: 'expected "4", the webhook protocol version Alertmanager sends' }),
  receiver: storable(z.string().max(1000)).default(''),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alertmanagerAlertSchema).min(1).max(MAX_ALERTS_PER_NOTIFICATION),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: storable(z.string().max(10_000)).default(''),
  groupKey: storable(z.string().max(10_000)).default(''),
  truncatedAlerts: z.number().int().min(0).default(0),
};
export const alertmanagerNotificationSchema = z.looseObject(alertmanagerNotificationShape);
export type AlertmanagerNotification = z.output<typeof alertmanagerNotificationSchema>;
