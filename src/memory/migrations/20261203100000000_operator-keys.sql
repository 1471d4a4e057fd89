-- Up Migration
-- Operator keys: an API key bound to no tenant, whose caller is the operator of the installation
-- (every tenant, every operation), as the local CLI is. A key is either a tenant's (with its
-- tenant) or an operator key (without one); its role column holds `admin` for an operator key.
alter table api_keys add column operator boolean not null default false;
alter table api_keys alter column tenant_id drop not null;
alter table api_keys add constraint api_keys_operator_has_no_tenant check (operator = (tenant_id is null));

-- Down Migration
delete from api_keys where operator;
alter table api_keys drop constraint api_keys_operator_has_no_tenant;
alter table api_keys alter column tenant_id set not null;
alter table api_keys drop column operator;
