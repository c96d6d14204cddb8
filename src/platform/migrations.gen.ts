// Written by scripts/gen-embeds.ts from sql/*.sql. Do not edit: run `bun run gen`.
import m0001 from "../../sql/0001_foundation.sql" with { type: "text" };
import m0002 from "../../sql/0002_tenancy.sql" with { type: "text" };
import m0003 from "../../sql/0003_device_templates.sql" with { type: "text" };
import m0004 from "../../sql/0004_system_templates.sql" with { type: "text" };
import m0005 from "../../sql/0005_devices.sql" with { type: "text" };
import m0006 from "../../sql/0006_telemetry.sql" with { type: "text" };
import m0007 from "../../sql/0007_ingest_bookkeeping.sql" with { type: "text" };
import m0008 from "../../sql/0008_audit.sql" with { type: "text" };
import m0009 from "../../sql/0009_retention.sql" with { type: "text" };
import m0010 from "../../sql/0010_api.sql" with { type: "text" };
import m0011 from "../../sql/0011_telemetry_minute.sql" with { type: "text" };
import m0012 from "../../sql/0012_device_list.sql" with { type: "text" };
import m0013 from "../../sql/0013_alerts.sql" with { type: "text" };
import m0014 from "../../sql/0014_notify.sql" with { type: "text" };
import m0015 from "../../sql/0015_role_instances.sql" with { type: "text" };

export const MIGRATION_FILES: ReadonlyArray<{ file: string; sql: string }> = [
  { file: "0001_foundation.sql", sql: m0001 },
  { file: "0002_tenancy.sql", sql: m0002 },
  { file: "0003_device_templates.sql", sql: m0003 },
  { file: "0004_system_templates.sql", sql: m0004 },
  { file: "0005_devices.sql", sql: m0005 },
  { file: "0006_telemetry.sql", sql: m0006 },
  { file: "0007_ingest_bookkeeping.sql", sql: m0007 },
  { file: "0008_audit.sql", sql: m0008 },
  { file: "0009_retention.sql", sql: m0009 },
  { file: "0010_api.sql", sql: m0010 },
  { file: "0011_telemetry_minute.sql", sql: m0011 },
  { file: "0012_device_list.sql", sql: m0012 },
  { file: "0013_alerts.sql", sql: m0013 },
  { file: "0014_notify.sql", sql: m0014 },
  { file: "0015_role_instances.sql", sql: m0015 },
];
