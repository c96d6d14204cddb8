// Loaded before every test file (bunfig.toml): tests never see the developer's PULSE_* settings.
import { isolateTestEnvironment } from "../platform/config";

isolateTestEnvironment();
