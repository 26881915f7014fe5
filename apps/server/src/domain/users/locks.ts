/** Advisory lock taken by registration and role changes, so "first account is admin" and "keep one admin" hold on every node. */
export const USER_ROLES_LOCK = 7_353_202;
