// Placeholder entry point until the binding helper fills this folder.
#include <napi.h>
Napi::Object Init(Napi::Env, Napi::Object exports) { return exports; }
NODE_API_MODULE(sandbox, Init)
