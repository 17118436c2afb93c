/* SPDX-License-Identifier: Apache-2.0 */
#include "host/host.h"
#include "tap.h"
int main(void) { return tap_done(); }
