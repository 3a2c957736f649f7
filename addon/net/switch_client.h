// Talking to a user-defined network's switch (docs/networks.md), from the monitor (run) and
// the `netconnect`/`netdisconnect` modes. The switch is started here when none answers.
#pragma once
#include <string>

#include "net/spec.h"
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::net {

// Join: hand TAP to the switch with the member's hello (id, name, aliases, ip, mac), starting
// the switch if needed. `conn` is the membership: it must stay open for as long as the
// container is a member; closing it (or the process dying) makes the switch drop the member.
int join_switch(const SwitchNetwork& n, const std::string& container_id, const std::string& container_name,
                int tap, unique_fd& conn, Error& err);

// Disconnect: the switch drops CONTAINER_ID's member (which closes its tap, so the device
// disappears from the container). A switch that is not running has nothing to drop.
int drop_from_switch(const SwitchNetwork& n, const std::string& container_id, Error& err);

// Rename: a running member's DNS names become CONTAINER_NAME and n.aliases (the membership
// itself is untouched). A switch that is not running has nothing to rename.
int rename_in_switch(const SwitchNetwork& n, const std::string& container_id, const std::string& container_name,
                     Error& err);

}  // namespace sandbox::net
