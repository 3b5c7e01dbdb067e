/** Customer mappings ({@link io.loyaltyengine.core.customers.CustomerMappingService}): host customer ids to participants. */
package io.loyaltyengine.core.customers;
