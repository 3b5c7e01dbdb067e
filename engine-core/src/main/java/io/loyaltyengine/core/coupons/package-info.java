/**
 * Coupon pools: uploading codes ({@link io.loyaltyengine.core.coupons.CouponService}) and handing the next free code
 * to an approved COUPON reward ({@link io.loyaltyengine.core.coupons.CouponAssignment}), exactly once per code.
 */
package io.loyaltyengine.core.coupons;
