/** Customer mappings: which participant of a campaign each of a host's customers is. */
package io.loyaltyengine.customers;
