// Startup checks that fail fast with one clear line.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/result.hpp"

namespace ds::app {

// Waits up to `timeout` for the X display to accept a connection.
Status waitForDisplay(const std::string& display, std::chrono::milliseconds timeout);
// True when the X display accepts a connection now.
bool displayReachable(const std::string& display);
// Waits for SELKIES_APP_READY_FILE when SELKIES_APP_WAIT_READY is true.
void waitForReadyFile(const config::Config& config);
// The web client directory: SELKIES_WEB_ROOT if it has index.html, else the installed client
// next to the binary, else the source tree's web/.
std::string resolveWebRoot(const std::string& configured);
// The directories deskstream writes to while it runs (SELKIES_JSON_CONFIG's,
// SELKIES_JS_SOCKET_PATH), each probed by writing, syncing and removing a small file. Returns one
// line naming each directory that fails (read-only, full, missing), why, and what will not work;
// nullopt when all are writable. Never fatal: streaming needs none of them.
std::optional<std::string> unwritableDirectories(const config::Config& config);
// Logs every setting, warns about set options whose feature is not supported yet and about
// values accepted although probably not what was meant (Loaded::warnings).
void logSettings(const config::Loaded& loaded);

}  // namespace ds::app
