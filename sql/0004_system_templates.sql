-- The four system templates every tenant starts with: the Lifeline gateway and the three
-- expansion modules that plug into it. Fixed ids so installs, tests and docs agree.

-- Row-level security is forced on these tables even for their owner, so data is written as
-- the worker role (this transaction only).
set local role pulse_worker;

insert into device_templates (template_id, tenant_id, slug, name, description, category, manufacturer, model,
                              firmware_pattern, transport_defaults, is_locked)
values
  ('00000000-0000-4000-8000-000000000101', null, 'lifeline-gateway-v1', 'Lifeline Gateway',
   'Cellular gateway with two analog ports, a 1-Wire sensor bus and an FSK radio link for wireless modules.',
   'gateway', 'OpsConductor', 'LG-1', '^1\.\d+\.\d+$',
   '{"ingestion_protocol": "mqtt_direct", "physical_connectivity": "cellular"}', true),
  ('00000000-0000-4000-8000-000000000102', null, 'temp-probe-v1', 'Temperature Probe',
   'Stainless temperature probe for analog, 1-Wire or radio connection.',
   'expansion_module', 'OpsConductor', 'TP-1', null, '{}', true),
  ('00000000-0000-4000-8000-000000000103', null, 'humidity-sensor-v1', 'Humidity Sensor',
   'Relative humidity and temperature sensor.',
   'expansion_module', 'OpsConductor', 'HS-1', null, '{}', true),
  ('00000000-0000-4000-8000-000000000104', null, 'gps-tracker-v1', 'GPS Tracker',
   'GNSS position module reporting location, speed and heading over the radio link.',
   'expansion_module', 'OpsConductor', 'GT-1', null, '{}', true);

insert into template_metrics (template_id, metric_key, display_name, data_type, unit, min_value, max_value,
                              precision_digits, is_required, enum_values, sort_order)
values
  ('00000000-0000-4000-8000-000000000101', 'battery_pct', 'Battery', 'float', '%', 0, 100, 0, true, null, 1),
  ('00000000-0000-4000-8000-000000000101', 'supply_voltage_v', 'Supply voltage', 'float', 'V', 0, 60, 2, false, null, 2),
  ('00000000-0000-4000-8000-000000000101', 'board_temp_c', 'Board temperature', 'float', '°C', -40, 125, 1, false, null, 3),
  ('00000000-0000-4000-8000-000000000101', 'rssi_dbm', 'Signal strength', 'integer', 'dBm', -140, 0, 0, false, null, 4),
  ('00000000-0000-4000-8000-000000000101', 'uptime_s', 'Uptime', 'integer', 's', 0, null, 0, false, null, 5),
  ('00000000-0000-4000-8000-000000000101', 'power_source', 'Power source', 'enum', null, null, null, null, false,
   array['mains', 'battery', 'solar'], 6),
  ('00000000-0000-4000-8000-000000000102', 'temp_c', 'Temperature', 'float', '°C', -55, 125, 1, true, null, 1),
  ('00000000-0000-4000-8000-000000000103', 'humidity_pct', 'Relative humidity', 'float', '%', 0, 100, 1, true, null, 1),
  ('00000000-0000-4000-8000-000000000103', 'temp_c', 'Temperature', 'float', '°C', -40, 85, 1, false, null, 2),
  ('00000000-0000-4000-8000-000000000104', 'latitude', 'Latitude', 'float', '°', -90, 90, 6, true, null, 1),
  ('00000000-0000-4000-8000-000000000104', 'longitude', 'Longitude', 'float', '°', -180, 180, 6, true, null, 2),
  ('00000000-0000-4000-8000-000000000104', 'speed_kmh', 'Speed', 'float', 'km/h', 0, 500, 1, false, null, 3),
  ('00000000-0000-4000-8000-000000000104', 'heading_deg', 'Heading', 'float', '°', 0, 360, 0, false, null, 4),
  ('00000000-0000-4000-8000-000000000104', 'satellites', 'Satellites in view', 'integer', null, 0, 64, 0, false, null, 5);

insert into template_commands (template_id, command_key, display_name, description, parameters_schema, sort_order)
values
  ('00000000-0000-4000-8000-000000000101', 'reboot', 'Reboot', 'Restart the gateway.',
   '{"type": "object", "properties": {}, "additionalProperties": false}', 1),
  ('00000000-0000-4000-8000-000000000101', 'set_interval', 'Set reporting interval',
   'Change how often the gateway sends telemetry.',
   '{"type": "object", "required": ["interval_s"], "additionalProperties": false,
     "properties": {"interval_s": {"type": "integer", "minimum": 5, "maximum": 86400}}}', 2),
  ('00000000-0000-4000-8000-000000000101', 'factory_reset', 'Factory reset',
   'Erase configuration and return to factory settings.',
   '{"type": "object", "required": ["confirm"], "additionalProperties": false,
     "properties": {"confirm": {"const": true}}}', 3);

insert into template_slots (template_id, slot_key, display_name, slot_type, interface_type, max_devices, sort_order)
values
  ('00000000-0000-4000-8000-000000000101', 'analog_1', 'Analog port 1', 'expansion', 'analog', 1, 1),
  ('00000000-0000-4000-8000-000000000101', 'analog_2', 'Analog port 2', 'expansion', 'analog', 1, 2),
  ('00000000-0000-4000-8000-000000000101', 'onewire_bus', '1-Wire sensor bus', 'sensor', '1-wire', 8, 3),
  ('00000000-0000-4000-8000-000000000101', 'fsk_radio', 'FSK radio link', 'expansion', 'fsk', 4, 4);

insert into template_slot_modules (slot_id, module_template_id)
select s.slot_id, m.module_id::uuid
from template_slots s
join (values
  ('analog_1', '00000000-0000-4000-8000-000000000102'),
  ('analog_1', '00000000-0000-4000-8000-000000000103'),
  ('analog_2', '00000000-0000-4000-8000-000000000102'),
  ('analog_2', '00000000-0000-4000-8000-000000000103'),
  ('onewire_bus', '00000000-0000-4000-8000-000000000102'),
  ('fsk_radio', '00000000-0000-4000-8000-000000000102'),
  ('fsk_radio', '00000000-0000-4000-8000-000000000103'),
  ('fsk_radio', '00000000-0000-4000-8000-000000000104')
) as m(slot_key, module_id) on m.slot_key = s.slot_key
where s.template_id = '00000000-0000-4000-8000-000000000101';
