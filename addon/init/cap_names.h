// Capability names <-> numbers. Pure; our own table (CAP_CHOWN .. CAP_CHECKPOINT_RESTORE) so a
// config naming an unknown capability is rejected before any process exists.
#pragma once
#include <cstdint>
#include <string>

namespace sandbox {

using CapSet = uint64_t;  // bit n = capability n

// "CAP_CHOWN" -> 0. Returns -1 for a name we don't know.
int cap_from_name(const std::string& name);
// 0 -> "CAP_CHOWN"; "" when unknown.
std::string cap_name(int cap);
// The highest capability number this table knows.
int cap_last_known();

}  // namespace sandbox
