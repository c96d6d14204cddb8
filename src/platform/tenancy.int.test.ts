import { describePg, testDb } from "../testing/db";
import { tenantIsolationSuite } from "../testing/isolation-suite";

tenantIsolationSuite("PostgreSQL", () => testDb(), describePg);
