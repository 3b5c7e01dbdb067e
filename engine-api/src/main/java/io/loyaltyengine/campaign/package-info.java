/**
 * Campaigns: a brand's referral or loyalty programmes, with their status, visibility, goal and time zone (the zone
 * in which their months are counted).
 */
package io.loyaltyengine.campaign;
