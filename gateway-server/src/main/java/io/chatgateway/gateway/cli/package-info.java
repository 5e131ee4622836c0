/** Sub-commands of the gateway jar besides serving: minting development tokens and a demo client. */
package io.chatgateway.gateway.cli;
