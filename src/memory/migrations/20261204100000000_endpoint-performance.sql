-- Up Migration
-- Endpoint performance from OpenTelemetry traces (POST /v1/traces, docs/capture.md): per tenant,
-- service, route, HTTP method and minute, the requests, the failed ones (status >= 500 or span
-- status ERROR), the latency's sum and maximum, and a histogram of latencies over the fixed
-- boundaries of src/domain/latency-histogram.ts (buckets[i] counts latencies <= boundary i, the
-- last one those above every boundary). One OTLP request upserts each of its groups once, adding
-- to the row; percentiles are read from the summed histograms of a window.
create table endpoint_performance (
  tenant_id   text not null,
  service     text not null,
  route       text not null,
  method      text not null,
  minute      timestamptz not null,
  requests    bigint not null,
  errors      bigint not null,
  sum_ms      double precision not null,
  max_ms      double precision not null,
  buckets     bigint[] not null,
  primary key (tenant_id, minute, service, route, method)
);
create index endpoint_performance_service on endpoint_performance (tenant_id, service, minute);

grant select, insert, update, delete on endpoint_performance to brainops_tenant;
alter table endpoint_performance enable row level security;
create policy tenant_rows on endpoint_performance to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));

-- Down Migration
drop table endpoint_performance;
