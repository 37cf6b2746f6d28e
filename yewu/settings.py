"""Django settings for Yewu. Everything that varies between sites comes from the environment."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from yewu.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("YEWU_DATA_DIR", Path.cwd() / "var")

DEBUG = env_bool("YEWU_DEBUG", False)
SECRET_KEY = env_str("YEWU_SECRET_KEY", "")
if not SECRET_KEY:
    # A per-installation key kept in the data directory, so a fresh install works without setup.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY = get_random_secret_key()
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(SECRET_KEY)
            _key_file.chmod(0o600)
        except OSError:
            pass

ALLOWED_HOSTS = env_list("YEWU_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("YEWU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "yewu.core",
    "yewu.org",
    "yewu.workflow",
    "yewu.procurement",
    "yewu.crm",
    "yewu.service",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "yewu.core.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "yewu.urls"
WSGI_APPLICATION = "yewu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "yewu.core.context_processors.shell",
            ],
        },
    }
]

# Database: SQLite in WAL mode unless DATABASE_URL names another (PostgreSQL in production).
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "YEWU_PG_SERVER_SIDE_BINDING", True
    ):
        # Parameters travel apart from the statement and psycopg prepares a statement on the
        # server once it has run YEWU_PG_PREPARE_THRESHOLD times on a connection: PostgreSQL then
        # skips parsing and planning the statements every approval step repeats (bench/procurement.py:
        # about a quarter more cases per second). Behind PgBouncer in transaction mode this needs
        # PgBouncer 1.21+ (max_prepared_statements), or YEWU_PG_SERVER_SIDE_BINDING=0.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("YEWU_PG_PREPARE_THRESHOLD", 5)
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_path("YEWU_SQLITE_PATH", DATA_DIR / "yewu.sqlite3"),
            "OPTIONS": {
                # busy_timeout first: switching to WAL waits for other connections too
                "init_command": "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL;"
                " PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "yewu.core.hashers.YewuArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = ["yewu.core.permissions.GrantBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Login protection: lock an account for a while after repeated failures.
YEWU_LOCKOUT_FAILURES = env_int("YEWU_LOCKOUT_FAILURES", 5)
YEWU_LOCKOUT_MINUTES = env_int("YEWU_LOCKOUT_MINUTES", 15)

# Idle sessions end after this many seconds (refreshed on every request).
SESSION_COOKIE_AGE = env_int("YEWU_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("zh-hant", _("Traditional Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("YEWU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
FORMAT_MODULE_PATH = ["yewu.formats"]  # thousands grouped by a comma in Chinese too
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("YEWU_STATIC_ROOT", DATA_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env_path("YEWU_MEDIA_ROOT", DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security: secure cookies and HSTS whenever Yewu sits behind HTTPS (the production default).
YEWU_HTTPS = env_bool("YEWU_HTTPS", False)
SESSION_COOKIE_SECURE = YEWU_HTTPS
CSRF_COOKIE_SECURE = YEWU_HTTPS
SECURE_SSL_REDIRECT = YEWU_HTTPS and env_bool("YEWU_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if YEWU_HTTPS else None
SECURE_HSTS_SECONDS = env_int("YEWU_HSTS_SECONDS", 31536000) if YEWU_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = YEWU_HTTPS
SECURE_HSTS_PRELOAD = YEWU_HTTPS
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = env_str("YEWU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("YEWU_FROM_EMAIL", "yewu@localhost")
EMAIL_HOST = env_str("YEWU_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("YEWU_EMAIL_PORT", 25)

# IM robot webhook (DingTalk / Feishu / WeCom style): off unless a URL is configured.
YEWU_IM_WEBHOOK_URL = env_str("YEWU_IM_WEBHOOK_URL", "")
YEWU_IM_WEBHOOK_KIND = env_str("YEWU_IM_WEBHOOK_KIND", "dingtalk")

# Attachments: size limit and allowed file types.
YEWU_ATTACHMENT_MAX_BYTES = env_int("YEWU_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
YEWU_ATTACHMENT_EXTENSIONS = env_list(
    "YEWU_ATTACHMENT_EXTENSIONS",
    ["pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "csv", "xlsx", "xls", "docx", "doc",
     "pptx", "ppt", "zip", "bpmn", "dmn", "ofd"],
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Procurement: how far orders may exceed their approved requisition (percent), and how many days
# before a supplier's qualification expires the warning shows.
YEWU_PROCUREMENT_ORDER_TOLERANCE_PERCENT = env_int("YEWU_PROCUREMENT_ORDER_TOLERANCE_PERCENT", 5)
YEWU_PROCUREMENT_EXPIRY_WARNING_DAYS = env_int("YEWU_PROCUREMENT_EXPIRY_WARNING_DAYS", 30)

# Customer service: hours within which a consultation is answered; the public contact form's
# anti-spam (least seconds between opening and sending it, messages per IP address and hour, counted
# in Django's cache).
YEWU_SERVICE_RESPONSE_HOURS = env_int("YEWU_SERVICE_RESPONSE_HOURS", 24)
YEWU_SERVICE_CONTACT_MIN_SECONDS = env_int("YEWU_SERVICE_CONTACT_MIN_SECONDS", 3)
YEWU_SERVICE_CONTACT_PER_HOUR = env_int("YEWU_SERVICE_CONTACT_PER_HOUR", 5)

# CRM: how many days before a follow-up is due it is created and its owner reminded, and how many
# days ahead birthday and holiday greetings are prepared.
YEWU_CRM_REMIND_DAYS = env_int("YEWU_CRM_REMIND_DAYS", 3)
YEWU_CRM_CARE_DAYS = env_int("YEWU_CRM_CARE_DAYS", 3)

# Background work: Django's tasks API with a database-backed queue and the `yewu worker` command.
TASKS = {
    "default": {
        "BACKEND": env_str("YEWU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "yewu.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "yewu.core.api.parsers.JSONParser",
        "yewu.core.api.parsers.FormParser",
        "yewu.core.api.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yewu.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yewu API",
    "DESCRIPTION": "REST API of Yewu (业务). Token authentication: `Authorization: Token <key>`.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/yewu/favicon.svg",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": True},
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`: name each choice set after its own class in the schema.
    "ENUM_NAME_OVERRIDES": {  # every choice set by its own name (fields called "status" are many)
        "ActionStatusEnum": "yewu.service.choices.ActionStatus",
        "AnswerChannelEnum": "yewu.service.choices.AnswerChannel",
        "ApprovalModeEnum": "yewu.workflow.choices.ApprovalMode",
        "CareKindEnum": "yewu.crm.choices.CareKind",
        "CareStatusEnum": "yewu.crm.choices.CareStatus",
        "CauseCategoryEnum": "yewu.service.choices.CauseCategory",
        "CauseKindEnum": "yewu.service.choices.CauseKind",
        "ComplaintCategoryEnum": "yewu.service.choices.ComplaintCategory",
        "ComplaintStatusEnum": "yewu.service.choices.ComplaintStatus",
        "ConsultationStatusEnum": "yewu.service.choices.ConsultationStatus",
        "ContractStatusEnum": "yewu.procurement.choices.ContractStatus",
        "CreditRatingEnum": "yewu.crm.choices.CreditRating",
        "CrmChannelEnum": "yewu.crm.choices.Channel",
        "CustomerKindEnum": "yewu.crm.choices.CustomerKind",
        "CustomerStatusEnum": "yewu.crm.choices.CustomerStatus",
        "DecisionEnum": "yewu.workflow.choices.Decision",
        "EmployeeStatusEnum": "yewu.org.models.employees.EmployeeStatus",
        "EvaluationDecisionEnum": "yewu.procurement.models.evaluations.EvaluationDecision",
        "FollowUpKindEnum": "yewu.crm.choices.FollowUpKind",
        "FollowUpStatusEnum": "yewu.crm.choices.FollowUpStatus",
        "InspectionResultEnum": "yewu.procurement.choices.InspectionResult",
        "InstanceStatusEnum": "yewu.workflow.choices.InstanceStatus",
        "IssueStatusEnum": "yewu.procurement.choices.IssueStatus",
        "LeadStatusEnum": "yewu.crm.choices.LeadStatus",
        "OrderStatusEnum": "yewu.procurement.choices.OrderStatus",
        "PaymentStatusEnum": "yewu.procurement.choices.PaymentStatus",
        "QualificationKindEnum": "yewu.procurement.models.suppliers.QualificationKind",
        "QuestionKindEnum": "yewu.service.choices.QuestionKind",
        "RequisitionStatusEnum": "yewu.procurement.choices.RequisitionStatus",
        "SatisfactionEnum": "yewu.service.choices.Satisfaction",
        "ServiceChannelEnum": "yewu.service.choices.Channel",
        "SeverityEnum": "yewu.service.choices.Severity",
        "SupplierStatusEnum": "yewu.procurement.choices.SupplierStatus",
        "SurveyStatusEnum": "yewu.service.choices.SurveyStatus",
        "TaskStatusEnum": "yewu.workflow.choices.TaskStatus",
        "VersionStatusEnum": "yewu.workflow.choices.VersionStatus",
        "VisitStatusEnum": "yewu.crm.choices.VisitStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("YEWU_LOG_LEVEL", "WARNING")},
}
