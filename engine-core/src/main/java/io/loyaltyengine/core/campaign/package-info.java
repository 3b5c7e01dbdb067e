/** Campaigns: status, visibility and the time zone of their monthly periods. */
package io.loyaltyengine.core.campaign;
