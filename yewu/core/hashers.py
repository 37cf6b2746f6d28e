from django.contrib.auth.hashers import Argon2PasswordHasher


class YewuArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): safe, and a sign-in burst stays small.

    Django's default asks 100 MiB per hash, so a few simultaneous sign-ins would dwarf the whole
    web process. Hashes made with other parameters still verify and are upgraded on next sign-in.
    """

    memory_cost = 19456
    time_cost = 2
    parallelism = 1
