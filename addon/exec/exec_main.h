// `sandbox-monitor exec`: run a command inside a running container (docs/native-interface.md).
#pragma once

namespace sandbox {

int exec_main(int argc, char** argv);

}  // namespace sandbox
