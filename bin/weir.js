#!/usr/bin/env -S node --no-node-snapshot
// --no-node-snapshot: isolated-vm (the user-code sandbox) requires it on Node >= 20.
import '../dist/weir-cli.js';
