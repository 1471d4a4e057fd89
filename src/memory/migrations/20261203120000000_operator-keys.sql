-- Operator keys: the operator of the installation (not a tenant) has keys of its own, of role
-- `operator` and bound to no tenant. They alone write shared knowledge (`global` entries,
-- solutions), run operator actions and read across tenants; a tenant's `admin` manages its tenant.
alter table api_keys alter column tenant_id drop not null;
alter table api_keys drop constraint if exists api_keys_role_check;
alter table api_keys add constraint api_keys_role_check check (role in ('reader', 'writer', 'admin', 'operator'));
alter table api_keys add constraint api_keys_operator_has_no_tenant check ((role = 'operator') = (tenant_id is null));
-- An operator's requests are logged too, with no tenant.
alter table api_access_log alter column tenant_id drop not null;
