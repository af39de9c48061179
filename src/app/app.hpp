// The composition root: the only place that knows every module. main() calls run().
#pragma once

namespace ds::app {

// Parses the configuration, starts everything, runs the main loop until SIGINT/SIGTERM.
// Returns the process exit code.
int run(int argc, char** argv);

}  // namespace ds::app
