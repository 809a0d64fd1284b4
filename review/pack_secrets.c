/*
 * pack_secrets.c - the built-in `secrets` rule pack: credentials committed
 * to the code. Cloud provider keys, forge tokens, chat, payment and mail
 * provider tokens, package registry and deploy tokens, AI provider keys,
 * private key blocks, JWTs, URLs and connection strings with passwords,
 * and, last, a generic rule for hard-coded secrets assigned to names that
 * say they are secrets.
 *
 * Every rule is a secret rule (review/rules.h): the engine masks what it
 * finds in every snippet, drops placeholders ("EXAMPLE", "xxxx",
 * "${VAR}", "changeme", one repeated character, "123456"...), and reports
 * one finding per secret. A match stays on its line; only the private key
 * blocks (PEM/OpenSSH/PGP and PuTTY) are `multiline`, and their value
 * ends on the key's last character, so that the snippet shows the block's
 * lines each masked. Each rule carries:
 *
 *   - keywords, usually the token's literal prefix, that must occur on the
 *     first line of a match (`keywords_local`), so the regex runs only
 *     on the few lines that hold one;
 *   - the capture group that holds the secret, and a least entropy for it,
 *     which tells a random token from a name or a sentence;
 *   - examples it must and must not flag, checked by the unit tests. The
 *     true examples are random fakes of the right shape, never real
 *     credentials; each is split after its prefix into two C literals so
 *     that a scanner reading this file does not see a whole token.
 *
 * Formats with a fixed prefix are matched by the prefix and precise
 * lengths; formats without one (Twilio auth tokens, Datadog keys, ...)
 * only in an assignment to a name that says what they are. The specific
 * rules come first: when the generic rule sees a value a specific rule
 * already reported, it stays quiet. Three rules read assignments whatever
 * the service: the service-named one (`dropbox_token = "..."`, where a
 * name says whose key it is and shorter or hex values count), the XML
 * element one (`<apiToken>` with its value on the next line) and, last,
 * the generic one. They know the shapes real code and config use, which
 * gitleaks' rule tests also exercise: declarations with a type (`var x
 * string =`, `x: str =`), the operators of Go, PHP, Ruby, Make and shell
 * (`:=`, `.=`, `::=`, `?=`, `??=`, `||=`), a call whose quoted first
 * argument is the name (`setProperty("X_TOKEN", "...")`, `define(...)`),
 * and a value that ends at an escaped line end (an .ini file inside a
 * JSON string). Tests of these on real-world files: t0307.
 *
 * Paths: the whole pack skips lockfiles, whose integrity hashes look like
 * secrets and whose URLs come from registries, not from people. The
 * generic rule also skips test fixture directories (testdata/, fixtures/,
 * __fixtures__/, __snapshots__/), where made-up values abound; the
 * specific rules do run there, because a token of a real format in a
 * fixture is just as usable as anywhere else.
 *
 * Not for: deciding which lines are scanned (actions/) or how findings are
 * printed (review/report.c); files whose NAME says they hold secrets
 * (.env, id_rsa) are the hygiene pack's.
 */
#include <stddef.h>

#include "review/rules.h"

#define SECRETS_ROTATE \
	" is committed: anyone who can read the repository or its history " \
	"can use it; revoke it, issue a new one and load that from the CI " \
	"secret store or the environment"

/* Where the generic rule does not look: test fixtures. */
#define SECRETS_FIXTURES \
	REVIEW_STRV("testdata/", "fixtures/", "__fixtures__/", \
		    "__snapshots__/", "*.snap")

static const struct review_rule_spec review_pack_secrets_rules[] = {
	{
		.id = "secrets/aws-access-key-id",
		.pattern = "\\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\\b",
		.message = "an AWS access key ID" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"AKIA", "ASIA", "ABIA", "ACCA"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"aws_access_key_id = AKIA"
			"VQJXXVBOTHD2WTFL",
			"\"AccessKeyId\": \"ASIA"
			"HBMUAPTT2ZN5X2PD\","),
		.examples_false = REVIEW_STRV(
			"aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
			"AKIA2345ABCD", "XAKIAQWERTYUIOPASDFGH",
			"AKIAAAAAAAAAAAAAAAAA"),
	},
	{
		.id = "secrets/aws-secret-access-key",
		.pattern =
			"(?i)(?:(?:aws[_.\\-]?)?secret[_.\\-]?access[_.\\-]?"
			"key|aws[_.\\-]?secret[_.\\-]?key)[\"']?[ \\t]*(?::="
			"|=>|:|=)[ \\t]*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0"
			"-9/+=])",
		.message = "an AWS secret access key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"secret_access_key", "secretaccesskey",
			"secret-access-key", "secret.access.key",
			"aws_secret_key", "aws-secret-key", "awssecretkey",
			"aws.secret.key"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"aws_secret_access_key = "
			"hvjwdbT2HwDqzuM14qHOXHlpaBqCefuv2FSJghB6",
			"  \"SecretAccessKey\": \""
			"hRLeos47wGJkcU/0XXkHG5qJwv1MkAuYVbpS0Jso\",",
			"export AWS_SECRET_KEY="
			"2jKF08mmf1ULmmcW3xvY27DfANuRose62CHN4XDE"),
		.examples_false = REVIEW_STRV(
			"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRf"
			"iCYEXAMPLEKEY",
			"aws_secret_access_key = os.environ[\"AWS_SECRET_ACC"
			"ESS_KEY\"]",
			"secret_access_key: ${{ secrets.AWS_SECRET_ACCESS_KE"
			"Y }}"),
	},
	{
		.id = "secrets/aws-session-token",
		.pattern =
			"(?i)(?:aws[_.\\-]?)?session[_.\\-]?token[\"']?[ \\t"
			"]*(?::=|=>|:|=)[ \\t]*[\"']?([A-Za-z0-9/+=]{100,})",
		.message = "an AWS session token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"session_token", "sessiontoken", "session-token",
			"session.token"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.5,
		.examples_true = REVIEW_STRV(
			"aws_session_token = IQoJb3JpZ2luX2Vj"
			"jG1kZA5kXXgwFVMAqTkNp/vsgvbRysUiB9ozIfz3hlkV797tpnB"
			"PJAVA1BmzWimLVDP5GJtRd8oSJ/lNz5r+J/8u/M7AsZ7nrsoTV7"
			"5Y4sxVe9RWlBaTF6E9CPcgYBy9Lmr4PaWbP3gvY1pIXoQOrgRb5"
			"vPG5c6q"),
		.examples_false = REVIEW_STRV(
			"aws_session_token = ${AWS_SESSION_TOKEN}",
			"session_token = abc123"),
	},
	{
		.id = "secrets/gcp-api-key",
		.pattern = "\\b(AIza[0-9A-Za-z_\\-]{35})(?![0-9A-Za-z_\\-])",
		.message = "a Google API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"AIza"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		/*
		 * Keys that are public on purpose: the example and test keys
		 * published in the Firebase Android SDK's sources, which
		 * projects copy along with its samples. They are constants
		 * anyone can read there, not this repository's secrets.
		 */
		.allow = REVIEW_STRV(
			"^AIza(?:SyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs|SyCkEhVjf"
			"3pduRDt6d1yKOMitrUEke8agEM|SyDMAScliyLx7F0NPDEJi1QmyCg"
			"HIAODrlU|SyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0|yDNSXIbFm"
			"lXbIE6mCzDLQAqITYefhixbX4A|SyAdOS2zB6NCsk1pCdZ4-P6GBdi"
			"_UUPwX7c|SyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4|SyANUvH9H"
			"9BsUccjsu2pCmEkOPjjaXeDQgY|SyA5_iVawFQ8ABuTZNUdcwERLJv"
			"_a_p4wtM|SyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ|SyDSb51Ji"
			"IcB6OJpwwMicseKRhhrOq1cS7g|SyBF2RrAIm4a0mO64EShQfqfd2A"
			"FnzAvvuU|SyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw|SyB8qGxt4"
			"ec15vitgn44duC5ucxaOi4FmqE|SyA8vmApnrHNFE0bApF4hoZ11sr"
			"VL_n0nvY)$"),
		.examples_true = REVIEW_STRV(
			"const key = \"AIza"
			"SYhzYTFQy6k1qJAH4DxD3EoA1zCC-A4cGof\";",
			"maps?key=AIza"
			"FQrGZ7iHyEpp2LNY2PG17_Dum2JnkOGORta&q=x"),
		.examples_false = REVIEW_STRV(
			"AIzaShortKey123",
			"AIzaXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
			"AIzaSyYOUR_API_KEY_GOES_HERE_123456789",
			"apiKey: 'AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU'"),
	},
	{
		.id = "secrets/gcp-service-account-key",
		.pattern =
			"\"private_key\"[ \\t]*:[ \\t]*\"-----BEGIN (?:RSA )"
			"?PRIVATE KEY-----\\\\n([A-Za-z0-9+/=]{40}(?:[A-Za-z"
			"0-9+/=]|\\\\n){24,})",
		.message =
			"the private key of a Google Cloud service account"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"\"private_key\""),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n"
			"MIIEv"
			"UrvPq09OIvEzwj9qYUCs19aVmP2GuaEsSuFfGuL8Opk+hjn45p/"
			"ed75CnrQS\\n"
			"kZ5B70co8w7rqhY2yP+PTZSjQlojQU3G9dyPqAXen+CnLJIrKv7"
			"1KdrUiR2JHtXS\\n-----END PRIVATE KEY-----\\n\","),
		.examples_false = REVIEW_STRV(
			"  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n"
			"...\\n-----END PRIVATE KEY-----\\n\",",
			"\"private_key\": \"\""),
	},
	{
		.id = "secrets/gcp-oauth-client-secret",
		.pattern = "\\b(GOCSPX-[A-Za-z0-9_\\-]{28})(?![A-Za-z0-9_\\-])",
		.message = "a Google OAuth client secret" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"GOCSPX-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"client_secret = \"GOCSPX-"
			"_ohkdPNjH-RGIoApQ-n9rTLNNUDs\""),
		.examples_false = REVIEW_STRV(
			"GOCSPX-short", "GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/gcp-oauth-access-token",
		.pattern = "\\b(ya29\\.[0-9A-Za-z_\\-]{50,})",
		.message = "a Google OAuth access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ya29."),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"Authorization: Bearer ya29."
			"KPMkOG0qWP-VAqCt7XL2CWc6Dt0CTpvNAAWQRCZljwiMkmg4HeB"
			"Uuvdpdr-M0K5IQKWuonaiIFeClAV_Q5zVqMll8zRf8W50sr2qUG"
			"S4LifvrDXTdYkuoTFz"),
		.examples_false = REVIEW_STRV(
			"ya29.short_token",
			"ya29.${ACCESS_TOKEN_FROM_THE_METADATA_SERVER_ENDPOI"
			"NT_X}"),
	},
	{
		.id = "secrets/azure-storage-account-key",
		.pattern =
			"(?i)\\bAccountKey[ \\t]*=[ \\t]*([A-Za-z0-9+/]{86}="
			"=)",
		.message = "an Azure storage account key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"accountkey"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.5,
		.allow = REVIEW_STRV(
			"^Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu"),
		.examples_true = REVIEW_STRV(
			"DefaultEndpointsProtocol=https;AccountName=acme;Acc"
			"ountKey="
			"utQR8AfVNkBNhfBdFJ3U+YPo09rNkW1Zw9/OHp46pBMt1toKZFr"
			"1WkBpxtxX8ttX4xumgMtTFC6Y+Xi25mtl3X==;EndpointSuffi"
			"x=core.windows.net"),
		.examples_false = REVIEW_STRV(
			"AccountKey=<your-storage-key>",
			"DefaultEndpointsProtocol=http;AccountName=devstorea"
			"ccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1"
			"OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoG"
			"MGw==;"),
	},
	{
		.id = "secrets/azure-sas-token",
		.pattern =
			"\\bsv=20[0-9]{2}-[0-9]{2}-[0-9]{2}&[^\\s\"\\'<>]*?"
			"\\bsig=([A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})",
		.message = "an Azure shared access signature" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sv=20"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"https://acme.blob.core.windows.net/c?sv=2022-11-02&"
			"ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig="
			"MzyCzT7Dc9hvFRrZ3EkfiFnHQRwo9bZg9DB057anUhL%3D"),
		.examples_false = REVIEW_STRV(
			"?sv=2022-11-02&sp=r&sig=<signature>",
			"sv=2022-11-02&sig=${SAS_SIGNATURE_FROM_VAULT_AT_DEP"
			"LOY_TIME}"),
	},
	{
		.id = "secrets/azure-ad-client-secret",
		.pattern =
			"(?:^|[^A-Za-z0-9_~.\\-])([A-Za-z0-9_~.\\-]{3}[0-9]Q"
			"~[A-Za-z0-9_~.\\-]{31,34})(?![A-Za-z0-9_~.\\-])",
		.message =
			"an Azure AD (Entra ID) client secret"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"Q~"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"AZURE_CLIENT_SECRET=\"Xy78Q~"
			"t~8qy4~3bmdOGIstriIp9ljM7r04zHBgsD\""),
		.examples_false = REVIEW_STRV(
			"x = \"Q~\"", "abc8Q~short", "Q~Q~Q~"),
	},
	{
		.id = "secrets/azure-devops-pat",
		.pattern =
			"(?i)(?:azure[_.\\-]?devops|azdo)[\\w.\\-]*(?:pat|to"
			"ken)[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?([a-z2-7"
			"]{52})\\b",
		.message =
			"an Azure DevOps personal access token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"devops", "azdo"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"AZURE_DEVOPS_PAT="
			"qyhz5alf5snqdtxquzg5n374wnhzycp72bj3kadittkpkm4mc3n"
			"w"),
		.examples_false = REVIEW_STRV(
			"azure_devops_pat = $(System.AccessToken)",
			"azdo_token: short"),
	},
	{
		.id = "secrets/github-pat",
		.pattern = "\\b(ghp_[A-Za-z0-9]{36})\\b",
		.message =
			"a GitHub personal access token (classic)"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ghp_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"GITHUB_TOKEN=ghp_"
			"xTkwCjZkrbhUJ4CDaehbw44PEeCU8HJ28IhO",
			"git clone https://x:ghp_"
			"tYxpOJKu1ZIgRwZy786o6AX82zStsynsn7gA@github.com/o/r"),
		.examples_false = REVIEW_STRV(
			"ghp_tooShort123",
			"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			"ghp_${{ secrets.TOKEN }}"),
	},
	{
		.id = "secrets/github-oauth-token",
		.pattern = "\\b(gho_[A-Za-z0-9]{36})\\b",
		.message = "a GitHub OAuth access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"gho_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"GITHUB_TOKEN=gho_"
			"UC6NXicz5G8lH12QoQ3cPs5fD7yrIN3TO2f6",
			"git clone https://x:gho_"
			"1Aq7NBGLOOUnUN91ZKirLdB9pbCSb1HjLnPF@github.com/o/r"),
		.examples_false = REVIEW_STRV(
			"gho_tooShort123",
			"gho_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			"gho_${{ secrets.TOKEN }}"),
	},
	{
		.id = "secrets/github-user-token",
		.pattern = "\\b(ghu_[A-Za-z0-9]{36})\\b",
		.message = "a GitHub App user-to-server token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ghu_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"GITHUB_TOKEN=ghu_"
			"vDRNcyKwPMCXwzyDjLmp8FJX78veyBWnAxvk",
			"git clone https://x:ghu_"
			"Tylrv1IPluyYKcWVvBi2FCzPDDIOuGiMDHce@github.com/o/r"),
		.examples_false = REVIEW_STRV(
			"ghu_tooShort123",
			"ghu_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			"ghu_${{ secrets.TOKEN }}"),
	},
	{
		.id = "secrets/github-app-token",
		.pattern = "\\b(ghs_[A-Za-z0-9]{36})\\b",
		.message =
			"a GitHub App installation (server-to-server) token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ghs_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"GITHUB_TOKEN=ghs_"
			"iMZqF6ckBd5fQwFx9mWhoq62lDiL6gfZIM1O",
			"git clone https://x:ghs_"
			"lecTGxdlux0R27C4baL3s56Rzi0mUsBw8Zjt@github.com/o/r"),
		.examples_false = REVIEW_STRV(
			"ghs_tooShort123",
			"ghs_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			"ghs_${{ secrets.TOKEN }}"),
	},
	{
		.id = "secrets/github-refresh-token",
		.pattern = "\\b(ghr_[A-Za-z0-9]{36,76})\\b",
		.message = "a GitHub refresh token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ghr_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"refresh_token=ghr_"
			"D4fyvTgmVLDXWk9KlwbSzfWjGo52mHebdyXz4xb2AptW6paMy6X"
			"wUTGcG4ZJiCCVBKMuaOLHcHz9"),
		.examples_false = REVIEW_STRV(
			"ghr_short",
			"ghr_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	},
	{
		.id = "secrets/github-fine-grained-pat",
		.pattern = "\\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\\b",
		.message =
			"a GitHub fine-grained personal access token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"github_pat_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token: github_pat_"
			"OzgRP27yMbNbz7haoTeSXT_"
			"tfsLeTnOqAOboKWWoa7ToGGydI0tiUEIDa9g2M7KBTvSpdtdr3Z"
			"7huADIqt"),
		.examples_false = REVIEW_STRV(
			"github_pat_short_token", "github_pat_<your-token>"),
	},
	{
		.id = "secrets/gitlab-pat",
		.pattern =
			"\\b(glpat-[0-9A-Za-z_\\-]{20,}(?:\\.[0-9A-Za-z_\\-]"
			"+)*)",
		.message =
			"a GitLab personal, project or group access token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glpat-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"GITLAB_TOKEN=glpat-"
			"Ad7xbpGuBQR2rBWxoQ43",
			"PRIVATE-TOKEN: glpat-"
			"iEDBTwE27wh77HbLYQZ-9pnLDSw.01."
			"dy78s372x"),
		.examples_false = REVIEW_STRV(
			"glpat-short", "glpat-xxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/gitlab-deploy-token",
		.pattern = "\\b(gldt\\-[0-9A-Za-z_\\-]{20,})",
		.message = "a GitLab deploy token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"gldt-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token = \"gldt-"
			"Tghza2pqlud-w1Nw4KgE\""),
		.examples_false = REVIEW_STRV(
			"gldt-short", "gldt-@example-token-value-here@"),
	},
	{
		.id = "secrets/gitlab-runner-token",
		.pattern =
			"\\b(glrt\\-[0-9A-Za-z_\\-]{20,}(?:\\.[0-9A-Za-z_\\-"
			"]+)*)",
		.message =
			"a GitLab runner authentication token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glrt-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token = \"glrt-"
			"j-KY88bv8-LUTElkwmfM\""),
		.examples_false = REVIEW_STRV(
			"glrt-short", "glrt-@example-token-value-here@"),
	},
	{
		.id = "secrets/gitlab-ci-job-token",
		.pattern = "\\b(glcbt\\-[0-9A-Za-z_\\-]{20,})",
		.message = "a GitLab CI/CD job token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glcbt-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token = \"glcbt-"
			"KKbtdIJYSFsA5jHL7lIe\""),
		.examples_false = REVIEW_STRV(
			"glcbt-short", "glcbt-@example-token-value-here@"),
	},
	{
		.id = "secrets/gitlab-feed-token",
		.pattern = "\\b(glft\\-[0-9A-Za-z_\\-]{20,})",
		.message = "a GitLab feed token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glft-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token = \"glft-"
			"cb7LAVFwxtktIvq47QSX\""),
		.examples_false = REVIEW_STRV(
			"glft-short", "glft-@example-token-value-here@"),
	},
	{
		.id = "secrets/gitlab-scim-token",
		.pattern = "\\b(glsoat\\-[0-9A-Za-z_\\-]{20,})",
		.message = "a GitLab SCIM token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glsoat-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token = \"glsoat-"
			"g72vNy6Wgd4TYLC-y3Ol\""),
		.examples_false = REVIEW_STRV(
			"glsoat-short", "glsoat-@example-token-value-here@"),
	},
	{
		.id = "secrets/gitlab-agent-token",
		.pattern = "\\b(glagent\\-[0-9A-Za-z_\\-]{50,})",
		.message = "a GitLab agent for Kubernetes token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glagent-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token = \"glagent-"
			"oR0gLSp5s_kxV5zZJHE3P1G1AkFUX6Fx1l3DD4U2DdgQT1nVvE"
			"\""),
		.examples_false = REVIEW_STRV(
			"glagent-short", "glagent-@example-token-value-here@"),
	},
	{
		.id = "secrets/gitlab-runner-registration-token",
		.pattern = "\\b(GR1348941[0-9A-Za-z_\\-]{20,})",
		.message = "a GitLab runner registration token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"GR1348941"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"--registration-token GR1348941"
			"iwMqMCvfZBJCOp95Wl0R"),
		.examples_false = REVIEW_STRV(
			"GR1348941short", "GR1348941xxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/gitlab-pipeline-trigger-token",
		.pattern = "\\b(glptt-[0-9a-f]{40})\\b",
		.message = "a GitLab pipeline trigger token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glptt-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"-F token=glptt-"
			"96ed631e4452415df60f290d94d7efecc22a4e5d"),
		.examples_false = REVIEW_STRV(
			"glptt-abc",
			"glptt-0000000000000000000000000000000000000000"),
	},
	{
		.id = "secrets/gitlab-oauth-app-secret",
		.pattern = "\\b(gloas-[0-9a-f]{64})\\b",
		.message = "a GitLab OAuth application secret" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"gloas-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"secret: gloas-"
			"4697ea93ff69b5257313aee99add6cd71b8890a6299c08927ca"
			"e578485090fb2"),
		.examples_false = REVIEW_STRV(
			"gloas-abc",
			"gloas-fffffffffffffffffffffffffffffffffffffffffffff"
			"fffffffffffffffffff"),
	},
	{
		.id = "secrets/bitbucket-app-password",
		.pattern =
			"(?i)bitbucket[\\w.\\-]*(?:pass(?:word)?|secret|toke"
			"n)[\\w.\\-]*[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?"
			"([A-Za-z0-9_=\\-]{18,})",
		.message =
			"a Bitbucket app password or access token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"bitbucket"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"BITBUCKET_APP_PASSWORD="
			"LIz9YFnUSzSEpUi5LWWH"),
		.examples_false = REVIEW_STRV(
			"bitbucket_password = os.environ[\"BB_PASS\"]",
			"BITBUCKET_TOKEN=$BITBUCKET_TOKEN_VALUE"),
	},
	{
		.id = "secrets/atlassian-api-token",
		.pattern = "\\b(ATATT3[A-Za-z0-9_\\-=]{50,})",
		.message =
			"an Atlassian (Jira, Confluence) API token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ATATT3"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"JIRA_API_TOKEN=ATATT3xFfGF0"
			"ZQVcNakJSMVNWk24Pd8EG5nWfd2d0Wqs82ytYR_N-DRYg4CbirL"
			"nMBH_-3uhDGbdjPPKffezCIcqp00u87JUjubeOaxhMgrz2xSts5"
			"mIVPf9K9JZ89IlwEAJZv6XUrxlaSFMHvWLVA-BYcseSwagu0G47"
			"KcXHg4Rs2a5E7SaUp="
			"7829EBC3"),
		.examples_false = REVIEW_STRV(
			"ATATT3short",
			"ATATT3xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/slack-bot-token",
		.pattern =
			"\\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,3"
			"4})\\b",
		.message = "a Slack bot token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"xoxb-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SLACK_BOT_TOKEN=xoxb-"
			"128564492018-"
			"0493883029874-"
			"5dvfCWvm9CmEgUpR0BWfQpQy"),
		.examples_false = REVIEW_STRV(
			"xoxb-your-bot-token", "xoxb-123-456-abc"),
	},
	{
		.id = "secrets/slack-user-token",
		.pattern =
			"\\b(xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-"
			"f0-9]{32})\\b",
		.message = "a Slack user token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"xoxp-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"token = \"xoxp-"
			"281039253860-"
			"753169095996-"
			"1494256364376-"
			"e1797abd723e1f94f401f062407bd8ec\""),
		.examples_false = REVIEW_STRV(
			"xoxp-1-2-3-4", "xoxp-<user-token>"),
	},
	{
		.id = "secrets/slack-app-token",
		.pattern =
			"\\b(xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-f0-9]"
			"{64})\\b",
		.message = "a Slack app-level token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"xapp-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SLACK_APP_TOKEN=xapp-1-A"
			"24I2MPA0FM-"
			"9150711662368-"
			"3ee38ae14e8496f2facd5ab3b46f9dda914c001dab552cf3c4b"
			"2fdd3a1ed8cf0"),
		.examples_false = REVIEW_STRV(
			"xapp-1-short", "xapp-<app-token>"),
	},
	{
		.id = "secrets/slack-legacy-token",
		.pattern = "\\bxox[aors]-(?:[0-9]+-)+([0-9A-Za-z]{10,})",
		.message = "a Slack legacy or refresh token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"xoxa-", "xoxo-", "xoxr-", "xoxs-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"slack: xoxa-2-"
			"667827711753-"
			"4aeasN67OPmA2aIGdBVxEf6m3kVSDOQp",
			"xoxs-"
			"37797951801-"
			"062093585964-"
			"I9Ef8LeUEFSb3Jfyg5ME3V0AiE4o"),
		.examples_false = REVIEW_STRV(
			"xoxa-2-short", "xoxs-1-2-xxxxxxxxxxxx"),
	},
	{
		.id = "secrets/slack-webhook-url",
		.pattern =
			"(?:https?://)?hooks\\.slack\\.com/(?:services|workfl"
			"ows|triggers)/(T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/(?:[0-"
			"9]{10,24}/)?[A-Za-z0-9]{20,}|[A-Za-z0-9+/]{43,56}(?!["
			"A-Za-z0-9+/]))",
		.message = "a Slack incoming webhook URL" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"hooks.slack.com"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"url: https://hooks.slack.com/services/T"
			"TBZT1CPI3H/B"
			"OHW09XPM6X/"
			"ovFZU4T3jDPX9JZLgnjhagxj"),
		.examples_false = REVIEW_STRV(
			"https://hooks.slack.com/services/T000/B000/XXXX",
			"see https://hooks.slack.com/ for details"),
	},
	{
		.id = "secrets/discord-bot-token",
		.pattern =
			"(?i)discord[\\w.\\-]*(?:token|key|secret)[\\w.\\-]*"
			"[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?((?-i:[MNO]["
			"A-Za-z0-9_\\-]{23,25}\\.[A-Za-z0-9_\\-]{6}\\.[A-Za-"
			"z0-9_\\-]{27,38}))",
		.message = "a Discord bot token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"discord"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"DISCORD_TOKEN=MT"
			"IHeEgy14IImYd5fn_KVKDG."
			"k7fi0B."
			"4IIlL3eZOMR0ODa-V4_FFdnh0QDn7veXmZJ83P"),
		.examples_false = REVIEW_STRV(
			"discord_token = os.getenv(\"DISCORD_TOKEN\")",
			"DISCORD_BOT_TOKEN=your-token"),
	},
	{
		.id = "secrets/discord-webhook-url",
		.pattern =
			"https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/"
			"api/webhooks/([0-9]{17,20}/[A-Za-z0-9_\\-]{60,68})",
		.message = "a Discord webhook URL" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"discord.com/api/webhooks",
			"discordapp.com/api/webhooks"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"hook = \"https://discord.com/api/webhooks/"
			"900548926642978554/"
			"QX7kxm1iNWjnrhAfA87xWmT1FdrdjNrDZqqwK8hD-kfBFuWM5tq"
			"UzXlqz35bQEWVOsfX\""),
		.examples_false = REVIEW_STRV(
			"https://discord.com/api/webhooks/123/abc",
			"https://discord.com/api/webhooks/{id}/{token}"),
	},
	{
		.id = "secrets/telegram-bot-token",
		.pattern =
			"\\b([0-9]{5,16}:A[A-Za-z0-9_\\-]{34})(?![A-Za-z0-9"
			"_\\-])",
		.message = "a Telegram bot token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			":A"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"TELEGRAM_TOKEN="
			"0902326053:AA"
			"tVMIAxCAak9g0wUIW6RwiJ0leIrLWyJQZ"),
		.examples_false = REVIEW_STRV(
			"time 12345678:AAAA",
			"1234567890:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/teams-webhook-url",
		.pattern =
			"https://[a-z0-9\\-]+\\.webhook\\.office\\.com/webho"
			"okb2/([0-9a-f\\-]{36}@[0-9a-f\\-]{36}/IncomingWebho"
			"ok/[0-9a-f]{32}/[0-9a-f\\-]{36})",
		.message =
			"a Microsoft Teams incoming webhook URL"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"webhook.office.com"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"https://acme.webhook.office.com/webhookb2/"
			"144734cb-"
			"16d7-"
			"b75d-"
			"5ad4-"
			"ac12a9f644d7@"
			"11943794-"
			"e824-"
			"9b1f-"
			"891a-"
			"45d218bafcbb/IncomingWebhook/"
			"aa49132982769100a24a6514cbb7928a/"
			"c4d8b505-"
			"ff3a-"
			"5c24-"
			"1f7e-"
			"19d98e652463"),
		.examples_false = REVIEW_STRV(
			"https://acme.webhook.office.com/webhookb2/<id>",
			"docs: webhook.office.com"),
	},
	{
		.id = "secrets/twilio-api-key",
		.pattern = "\\b(SK[0-9a-f]{32})\\b",
		.message = "a Twilio API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"SK"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"TWILIO_API_KEY=SK"
			"b9af6db66f211fed21c5e19e1afc0f10"),
		.examples_false = REVIEW_STRV(
			"TASK_QUEUE", "SK00000000000000000000000000000000",
			"DISK1234"),
	},
	{
		.id = "secrets/twilio-auth-token",
		.pattern =
			"(?i)twilio[\\w.\\-]*(?:auth|token|secret)[\\w.\\-]*"
			"[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?([0-9a-f]{32"
			"})\\b",
		.message = "a Twilio auth token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"twilio"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"TWILIO_AUTH_TOKEN="
			"6d090678f8de8642499f717c63ed5b47"),
		.examples_false = REVIEW_STRV(
			"twilio_auth_token = env(\"TWILIO_AUTH_TOKEN\")",
			"TWILIO_AUTH_TOKEN=00000000000000000000000000000000"),
	},
	{
		.id = "secrets/sendgrid-api-key",
		.pattern =
			"\\b(SG\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9_\\-]{43})"
			"(?![A-Za-z0-9_\\-])",
		.message = "a SendGrid API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"SG."),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"SENDGRID_API_KEY=SG."
			"83HEO7Ne855leaWM4C0HWS."
			"Kcm354G1Vnqj0TBPIwvl2VAVmdbFcmFuOUPsGlG91Bu"),
		.examples_false = REVIEW_STRV(
			"SG.short.key",
			"SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/mailgun-api-key",
		.pattern = "\\b(key-[0-9a-f]{32})\\b",
		.message = "a Mailgun API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"key-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"MAILGUN_KEY=key-"
			"ae5e67bb9d2759235937aa53bb93775c"),
		.examples_false = REVIEW_STRV(
			"key-value store",
			"key-00000000000000000000000000000000"),
	},
	{
		.id = "secrets/mailchimp-api-key",
		.pattern = "\\b([0-9a-f]{32}-us[0-9]{1,2})\\b",
		.message = "a Mailchimp API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"-us"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"MAILCHIMP_KEY="
			"513a5890c54ece58ea3cf29e11366e36-us12"),
		.examples_false = REVIEW_STRV(
			"en-us", "00000000000000000000000000000000-us1"),
	},
	{
		.id = "secrets/postmark-server-token",
		.pattern =
			"(?i)postmark[\\w.\\-]*(?:token|key|secret)[\\w.\\-]"
			"*[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?([0-9a-f]{8"
			"}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
			"\\b",
		.message = "a Postmark server or account token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"postmark"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"POSTMARK_SERVER_TOKEN="
			"ef3245ba-"
			"9ea9-"
			"0ffe-"
			"730c-"
			"74d99bfded35"),
		.examples_false = REVIEW_STRV(
			"postmark_token = ENV[\"POSTMARK_TOKEN\"]",
			"POSTMARK_API_TOKEN=00000000-0000-0000-0000-00000000"
			"0000"),
	},
	{
		.id = "secrets/stripe-secret-key",
		.pattern = "\\b(sk_live_[0-9A-Za-z]{24,99})\\b",
		.message = "a live Stripe secret key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sk_live_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"Stripe.api_key = \"sk_live_"
			"GtCqAObJTFezZ1ZyDn7cXFtc\""),
		.examples_false = REVIEW_STRV(
			"sk_test_a1B2a1B2a1B2a1B2a1B2a1B2", "sk_live_short",
			"sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/stripe-restricted-key",
		.pattern = "\\b(rk_(?:live|prod)_[0-9A-Za-z]{24,99})\\b",
		.message = "a live Stripe restricted key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"rk_live_", "rk_prod_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"STRIPE_KEY=rk_live_"
			"gaP69rmKJEcGte0OpmzpDuFRYyz4wG1KKiKCEzpOzcsIK8yAOoX"
			"9wmLBvHZZXF3Z2ANmcRtmYuiLIK4KuJeEZnjh2ikiYuI0kZ2"),
		.examples_false = REVIEW_STRV(
			"rk_test_abc", "rk_live_short"),
	},
	{
		.id = "secrets/stripe-webhook-secret",
		.pattern = "\\b(whsec_[A-Za-z0-9+/=]{32,})",
		.message = "a Stripe webhook signing secret" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"whsec_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"STRIPE_WEBHOOK_SECRET=whsec_"
			"fUZoFW3GfLoF24GB9oih1vUZ7t5gWiVb"),
		.examples_false = REVIEW_STRV(
			"whsec_short",
			"whsec_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/square-access-token",
		.pattern =
			"\\b(sq0atp-[0-9A-Za-z_\\-]{22}|EAAA[A-Za-z0-9_\\-]{"
			"60})(?![A-Za-z0-9_\\-])",
		.message = "a Square access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sq0atp-", "EAAA"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"SQUARE_TOKEN=sq0atp-"
			"gq8iJIfFFHIue9tTbXUFrY",
			"square.token = \"EAAA"
			"yfe1dKeKCEBG4ypekt905BfZU0ONfc6RazG7kddFrwn_GUNNBJM"
			"WBWm4Co6W\""),
		.examples_false = REVIEW_STRV(
			"sq0atp-short",
			"EAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			"AAAAAAAAAAAAA"),
	},
	{
		.id = "secrets/square-oauth-secret",
		.pattern = "\\b(sq0csp-[0-9A-Za-z_\\-]{43})(?![0-9A-Za-z_\\-])",
		.message = "a Square OAuth application secret" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sq0csp-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"SQUARE_SECRET=sq0csp-"
			"cxZECX2ke0wMd4F323-M6cM_RgKstWZ9CxqvH3YSMsV"),
		.examples_false = REVIEW_STRV(
			"sq0csp-short",
			"sq0csp-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/braintree-access-token",
		.pattern =
			"\\b(access_token\\$production\\$[0-9a-z]{16}\\$[0-9"
			"a-f]{32})\\b",
		.message =
			"a Braintree (PayPal) production access token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"access_token$production$"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"BT_TOKEN=access_token$production$"
			"6b6brahywtq81ztg$"
			"5deae6d0093459b79b210779895feefb"),
		.examples_false = REVIEW_STRV(
			"access_token$sandbox$abc",
			"access_token$production$<merchant>$<token>"),
	},
	{
		.id = "secrets/shopify-access-token",
		.pattern = "\\b(shp(?:at|ca|pa)_[a-fA-F0-9]{32})\\b",
		.message = "a Shopify access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"shpat_", "shpca_", "shppa_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SHOPIFY_TOKEN=shpat_"
			"37c986847182905b0e600fe7bc5c246d",
			"x = \"shppa_"
			"d3292aa1c30da8da8da471d7e93d06db\""),
		.examples_false = REVIEW_STRV(
			"shpat_short",
			"shpat_00000000000000000000000000000000"),
	},
	{
		.id = "secrets/shopify-shared-secret",
		.pattern = "\\b(shpss_[a-fA-F0-9]{32})\\b",
		.message = "a Shopify app shared secret" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"shpss_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SHOPIFY_SECRET=shpss_"
			"f9ced138c1de8ba2ac48cfec6e9884d7"),
		.examples_false = REVIEW_STRV(
			"shpss_short",
			"shpss_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	},
	{
		.id = "secrets/shippo-live-token",
		.pattern = "\\bshippo_(?:live|test)_([a-f0-9]{40})\\b",
		.message = "a Shippo API token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"shippo_live_", "shippo_test_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SHIPPO_TOKEN=shippo_live_"
			"da9412c63c662e27c8787288993d68ccfa4d1765"),
		.examples_false = REVIEW_STRV(
			"shippo_test_abc", "shippo_live_short"),
	},
	{
		.id = "secrets/npm-token",
		.pattern = "\\b(npm_[A-Za-z0-9]{36})\\b",
		.message = "an npm access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"npm_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"NPM_TOKEN=npm_"
			"aSvqYCGqk9wG7vbKSOKdrHwzaqsoDeTFoeiq"),
		.examples_false = REVIEW_STRV(
			"npm_config_cache",
			"npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/npmrc-auth-token",
		.pattern =
			"(?i)(?:^[ \\t]*|:)_auth(?:Token)?[ \\t]*=[ \\t]*[\""
			"\\']?([A-Za-z0-9_\\-+/=.]{20,})",
		.message =
			"an npm registry auth token in .npmrc"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"_auth"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"//registry.npmjs.org/:_authToken="
			"ACQk-b78tW7regRHxspb2y3l72jWxmPd7p89fXjT"),
		.examples_false = REVIEW_STRV(
			"//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
			"_auth = short",
			"field_name_auth = client_request_reader(x, 1);"),
	},
	{
		.id = "secrets/pypi-token",
		.pattern = "\\b(pypi-AgE[A-Za-z0-9_\\-]{60,})",
		.message = "a PyPI upload token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"pypi-AgE"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"password = pypi-AgEIcHlwaS5vcmc"
			"VkH05B7oKJ9L0BSs45jBUEx-BeAsMAuYP6HAhPMe6tce5Xc-fCU"
			"sFvzSHDeiOFcYoRcRT_TtasSrDwtr"),
		.examples_false = REVIEW_STRV(
			"pypi-AgEshort", "password = pypi-<token>"),
	},
	{
		.id = "secrets/rubygems-api-key",
		.pattern = "\\b(rubygems_[0-9a-f]{48})\\b",
		.message = "a RubyGems API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"rubygems_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"GEM_HOST_API_KEY=rubygems_"
			"f7409cd529372426f55af0f8a5892fc57f880e255e8e20ec"),
		.examples_false = REVIEW_STRV(
			"rubygems_version",
			"rubygems_000000000000000000000000000000000000000000"
			"000000"),
	},
	{
		.id = "secrets/nuget-api-key",
		.pattern = "\\b(oy2[a-z0-9]{43})\\b",
		.message = "a NuGet API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"oy2"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"dotnet nuget push -k oy2"
			"4quj5at1afqlzrxsoj7zl6luwe3xfk4cambghmgseol"),
		.examples_false = REVIEW_STRV(
			"oy2short",
			"oy2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	},
	{
		.id = "secrets/dockerhub-token",
		.pattern = "\\b(dckr_(?:pat|oat)_[A-Za-z0-9_\\-]{27,})",
		.message = "a Docker Hub access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"dckr_pat_", "dckr_oat_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"DOCKER_PASSWORD=dckr_pat_"
			"B5xISXhidAeHVwjSli5wZL7xmjW"),
		.examples_false = REVIEW_STRV(
			"dckr_pat_short",
			"dckr_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/docker-config-auth",
		.pattern =
			"\"auth\"[ \\t]*:[ \\t]*\"([A-Za-z0-9+/]{16,}={0,2})"
			"\"",
		.message =
			"registry credentials in a Docker config.json"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"\"auth\""),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"{\"auths\": {\"ghcr.io\": {\"auth\": \""
			"Sww4zHgNM/x9ChiFD1L0rqoBGZ+va9z2gMEkc5w4h60n\"}}}"),
		.examples_false = REVIEW_STRV(
			"\"auth\": \"\"",
			"\"auth\": \"xxxxxxxxxxxxxxxxxxxxxxxx\""),
	},
	{
		.id = "secrets/hashicorp-vault-token",
		.pattern = "\\b(hv[sb]\\.[A-Za-z0-9_\\-]{24,})",
		.message = "a HashiCorp Vault token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"hvs.", "hvb."),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"VAULT_TOKEN=hvs."
			"n-LXcYzHXrhaisCKLBRgwERU-fdK2CF4K3Vx8BkMy5BkBPuhGtg"
			"66VWaRObx2yjjlLeHFsASG39MiPeopMmuaaOAOs"),
		.examples_false = REVIEW_STRV(
			"hvs.short", "hvs.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/terraform-cloud-token",
		.pattern =
			"\\b([A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_\\-=]{60"
			",70})",
		.message =
			"a Terraform Cloud / HCP Terraform API token"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			".atlasv1."),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"token = \""
			"LLtulkIXsOEegy.atlasv1."
			"WHDkoOpBThFgmFn_grd-ps-MF1HhxPhPdivWlvYpv_O4SVB_ECZ"
			"9AGHnTlLa8z9qbAe\""),
		.examples_false = REVIEW_STRV(
			"x.atlasv1.y",
			"abcdefghijklmn.atlasv1.xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/doppler-token",
		.pattern =
			"\\b(dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{4"
			"0,44})\\b",
		.message = "a Doppler token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.",
			"dp.audit."),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"DOPPLER_TOKEN=dp.st."
			"sUNLLqzYWMw368s7xsj9D65ULnfN30LVDGiJwHXczIp"),
		.examples_false = REVIEW_STRV(
			"dp.st.short",
			"dp.pt.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/heroku-api-key",
		.pattern =
			"(?|(?i:heroku[\\w.\\-]*(?:key|token|secret)[\\w.\\-"
			"]*[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?)([0-9a-f]"
			"{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12"
			"})\\b|\\b(HRKU-[0-9A-Za-z_\\-]{40,}))",
		.message = "a Heroku API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"heroku", "hrku-"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"HEROKU_API_KEY="
			"d769e020-"
			"49fb-"
			"045d-"
			"ecf7-"
			"0f7c715a5324",
			"auth: HRKU-"
			"44UI_yXcydsqdoBJ7gmULBQ-7S1zBfb-sqeOXkWErmRLt43YdNQ"
			"s4zxihaBi"),
		.examples_false = REVIEW_STRV(
			"heroku_api_key = ENV.fetch(\"HEROKU_API_KEY\")",
			"HEROKU_API_KEY=00000000-0000-0000-0000-000000000000"),
	},
	{
		.id = "secrets/digitalocean-token",
		.pattern = "\\b(do[opr]_v1_[a-f0-9]{64})\\b",
		.message = "a DigitalOcean token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"dop_v1_", "doo_v1_", "dor_v1_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"DIGITALOCEAN_TOKEN=dop_v1_"
			"b144b0b2a03738e1539a748a9a7bb604c3039b4b1f56ee62dd5"
			"a7618638bcdd0"),
		.examples_false = REVIEW_STRV(
			"dop_v1_short",
			"dop_v1_00000000000000000000000000000000000000000000"
			"00000000000000000000"),
	},
	{
		.id = "secrets/flyio-token",
		.pattern = "\\b(FlyV1 fm[12]_[A-Za-z0-9+/=_,\\-]{50,})",
		.message = "a Fly.io access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"FlyV1 "),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"FLY_API_TOKEN=\"FlyV1 fm2_"
			"oEMroFiOCmTN+jS70n4e+Juq8dj0KZyncOCsKZYLojF8n45jfIE"
			"dI3yy4Svv/WtT2KgdZUkJFT8O0aYLBtulZy7poR1DB4dtMhIoS3"
			"FXafMXj8hAZstIO410\""),
		.examples_false = REVIEW_STRV(
			"FlyV1 fm2_short", "FlyV1 token"),
	},
	{
		.id = "secrets/pulumi-access-token",
		.pattern = "\\b(pul-[a-f0-9]{40})\\b",
		.message = "a Pulumi access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"pul-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"PULUMI_ACCESS_TOKEN=pul-"
			"542db04f0bb544c90f1675da37a9eaec0d21382b"),
		.examples_false = REVIEW_STRV(
			"pul-short",
			"pul-0000000000000000000000000000000000000000"),
	},
	{
		.id = "secrets/circleci-token",
		.pattern = "\\b(CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})\\b",
		.message = "a CircleCI personal API token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"CCIPAT_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"CIRCLE_TOKEN=CCIPAT_"
			"AZmT8wyIzrLyQRrAldBocw_"
			"b766cea8b1a7c781c921caee1ed02cdb879162dd"),
		.examples_false = REVIEW_STRV(
			"CCIPAT_short", "CCIPAT_<token>"),
	},
	{
		.id = "secrets/artifactory-api-key",
		.pattern = "\\b(AKCp[A-Za-z0-9]{69})\\b",
		.message = "a JFrog Artifactory API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"AKCp"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"ARTIFACTORY_API_KEY=AKCp"
			"tWYaX0pGDNl85vb7nIEmLqdS9SDMdsojQfkqUd9QhK0TYsiFZDV"
			"HygQF3rrWEYNHRrCCe"),
		.examples_false = REVIEW_STRV(
			"AKCpShort",
			"AKCpxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/sourcegraph-token",
		.pattern =
			"\\b(sgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}"
			")\\b",
		.message = "a Sourcegraph access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sgp_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SRC_ACCESS_TOKEN=sgp_"
			"a1c77737b081faec_"
			"1cd8cf5c82f96ec8fffd4051f315e2f82f6c420c"),
		.examples_false = REVIEW_STRV(
			"sgp_short",
			"sgp_local_0000000000000000000000000000000000000000"),
	},
	{
		.id = "secrets/linear-api-key",
		.pattern = "\\b(lin_api_[A-Za-z0-9]{40})\\b",
		.message = "a Linear API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"lin_api_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"LINEAR_API_KEY=lin_api_"
			"IFFaYhbDZCI1d3BXHdnMb09dw0ZDh3lHY5r0ELwm"),
		.examples_false = REVIEW_STRV(
			"lin_api_short",
			"lin_api_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/notion-token",
		.pattern =
			"\\b(ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]"
			"{43})\\b",
		.message = "a Notion integration token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ntn_", "secret_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"NOTION_TOKEN=ntn_"
			"43642427230"
			"OtmUYieCYdLv8UXcZ5U8pqIi1P4x7C8Yihi",
			"notion = Client(auth=\"secret_"
			"DTWoUieRXcQJ58TZhrk7kvhrFxdhvCaizMDXvEbQ4TM\")"),
		.examples_false = REVIEW_STRV(
			"secret_key_base = x",
			"secret_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	},
	{
		.id = "secrets/asana-pat",
		.pattern =
			"(?i)asana[\\w.\\-]*(?:token|pat|key|secret)[\\w.\\-"
			"]*[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?([0-9]/[0-"
			"9]{10,16}(?:/[0-9]{10,16})?:[0-9a-f]{32})",
		.message = "an Asana personal access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"asana"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"ASANA_TOKEN=2/"
			"5991958411358847/"
			"1705965872533487:"
			"2f957d9a6894ce10a36c3a3be4945463"),
		.examples_false = REVIEW_STRV(
			"asana_token = os.environ[\"ASANA_TOKEN\"]",
			"ASANA_PAT=1/123:abc"),
	},
	{
		.id = "secrets/dropbox-access-token",
		.pattern = "\\b(sl\\.(?:u\\.)?[A-Za-z0-9_\\-]{130,})",
		.message = "a Dropbox access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sl."),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.5,
		.examples_true = REVIEW_STRV(
			"DROPBOX_TOKEN=sl."
			"Emb9r7dX1H0LtTzG5-JBCU54tJ4bE7GvShFeNyA318KymgP4Bcs"
			"_KvgJb4CuPCK8OGiaNBQ5jPqgrXmScKaS4HfcjLOY-6kmcSoqUA"
			"J2Q3CFk1N5KgSS5EbgkPjGUGJkHvFPWOzCXg8l"),
		.examples_false = REVIEW_STRV(
			"sl.short",
			"x = sl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	},
	{
		.id = "secrets/figma-pat",
		.pattern = "\\b(figd_[A-Za-z0-9_\\-]{40,})",
		.message = "a Figma personal access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"figd_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"FIGMA_TOKEN=figd_"
			"OsrtToVEKrd1tOVKL8bGx7WQsIFJpyNqGASRVHKU"),
		.examples_false = REVIEW_STRV(
			"figd_short",
			"figd_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/twitter-bearer-token",
		.pattern = "\\b(AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{30,})",
		.message = "an X (Twitter) API bearer token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"AAAAAAAAAAAAAAAAAAAAA"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"TWITTER_BEARER=AAAAAAAAAAAAAAAAAAAAA"
			"Glblq9K6mp6SM6mcUcDs%3D"
			"lLlrpLMOOaPvSgyJ6V0uwE7PLEPet1x0TebdayJh2SXZOg0c4A"),
		.examples_false = REVIEW_STRV(
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			"AAAAAAAAAAA",
			"AAAAAAAAAAAAAAAAAAAAAshort"),
	},
	{
		.id = "secrets/airtable-pat",
		.pattern = "\\b(pat[A-Za-z0-9]{14}\\.[a-f0-9]{64})\\b",
		.message = "an Airtable personal access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"pat"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"AIRTABLE_TOKEN=pat"
			"5g9oylf4nNJqjI."
			"c8261b1998b7e4717e5753af814ea804d8954baf31653d295ce"
			"bbff69e9aac33"),
		.examples_false = REVIEW_STRV(
			"path.join(a, b)",
			"patAbcdefghijklmn.000000000000000000000000000000000"
			"0000000000000000000000000000000"),
	},
	{
		.id = "secrets/postman-api-key",
		.pattern = "\\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\\b",
		.message = "a Postman API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"PMAK-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"POSTMAN_API_KEY=PMAK-"
			"c04c2ce1d793ac439a18004c-"
			"8d87f0bffcc1c9c2fa4cbd79fb6b441e55"),
		.examples_false = REVIEW_STRV(
			"PMAK-short", "PMAK-<key>"),
	},
	{
		.id = "secrets/cloudflare-api-token",
		.pattern =
			"(?i)cloudflare[\\w.\\-]*(?:token|key|secret)[\\w.\\"
			"-]*[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?([A-Za-z0"
			"-9_\\-]{40})\\b",
		.message = "a Cloudflare API token or key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"cloudflare"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"CLOUDFLARE_API_TOKEN="
			"w1ZKcdXDHd42M0ug-z-pkVMmjhgQ9iUm9cdvorV9"),
		.examples_false = REVIEW_STRV(
			"cloudflare_api_token = var.cloudflare_api_token_fro"
			"m_the_vault",
			"CLOUDFLARE_API_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxx"),
	},
	{
		.id = "secrets/alibaba-access-key-id",
		.pattern = "\\b(LTAI[A-Za-z0-9]{12,20})\\b",
		.message = "an Alibaba Cloud AccessKey ID" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"LTAI"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI"
			"zOhhEuzqbH9SlsFIuKfz"),
		.examples_false = REVIEW_STRV(
			"LTAIshort", "LTAIxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/openai-api-key",
		.pattern =
			"\\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\\-]{20"
			",}T3BlbkFJ[A-Za-z0-9_\\-]{20,})",
		.message = "an OpenAI API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"T3BlbkFJ"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"OPENAI_API_KEY=sk-proj-"
			"DqTQPtBR2aq-8GQF563FAz4-LRymn_p_mHUrrMxfT3BlbkFJ"
			"391-pha0DWLYqRqOMeA0ChR0wuBuPO0YJuTdx8C9",
			"openai.api_key = \"sk-"
			"fMvgVukQtOstxEZXs1SDT3BlbkFJ"
			"q0MIFkgTkST6AxcKFIYQ\""),
		.examples_false = REVIEW_STRV(
			"sk-...T3BlbkFJ...",
			"sk-xxxxxxxxxxxxxxxxxxxxT3BlbkFJxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/anthropic-api-key",
		.pattern =
			"\\b(sk-ant-(?:api03|admin01)-[A-Za-z0-9_\\-]{80,120"
			"})",
		.message = "an Anthropic API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sk-ant-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"ANTHROPIC_API_KEY=sk-ant-api03-"
			"vgyUF7ZCQZ_bqMZyU4RRpGBLwuqRyiAMpYKv7_smTEoE7AjLKiO"
			"Ax8_x5P803LpwB4HzEOUTr59z2DpJVobKhAlwE5NfMAA"),
		.examples_false = REVIEW_STRV(
			"sk-ant-api03-short",
			"sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"x"),
	},
	{
		.id = "secrets/huggingface-token",
		.pattern = "\\b(hf_[A-Za-z0-9]{34,40})\\b",
		.message = "a Hugging Face access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"hf_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"HF_TOKEN=hf_"
			"yNksfFWbBIeXYKQtwARhajQNiaDiVDuqOZ"),
		.examples_false = REVIEW_STRV(
			"hf_hub_download",
			"hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/groq-api-key",
		.pattern = "\\b(gsk_[A-Za-z0-9]{52})\\b",
		.message = "a Groq API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"gsk_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"GROQ_API_KEY=gsk_"
			"MpO7sHCYmqDVnLA3686F0YSZBsFXL71Ejf5e2JY2M1Ib4y944HC"
			"E"),
		.examples_false = REVIEW_STRV(
			"gsk_short",
			"gsk_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxx"),
	},
	{
		.id = "secrets/replicate-api-token",
		.pattern = "\\b(r8_[A-Za-z0-9]{37})\\b",
		.message = "a Replicate API token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"r8_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"REPLICATE_API_TOKEN=r8_"
			"CeJjITaQuBr5e9cK3Syv1oQVxbL7Bb9Q6HIwy"),
		.examples_false = REVIEW_STRV(
			"r8_short",
			"r8_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/cohere-api-key",
		.pattern =
			"(?i)cohere[\\w.\\-]*(?:key|token)[\\w.\\-]*[\"']?[ "
			"\\t]*(?::=|=>|:|=)[ \\t]*[\"']?([A-Za-z0-9]{40})\\b",
		.message = "a Cohere API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"cohere"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"COHERE_API_KEY="
			"RdwCoq33UxxY8c2hwF6sD9HOwXlmnwI5T0VHXErs"),
		.examples_false = REVIEW_STRV(
			"cohere_api_key = os.environ[\"CO_API_KEY\"]",
			"COHERE_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxx"),
	},
	{
		.id = "secrets/perplexity-api-key",
		.pattern = "\\b(pplx-[A-Za-z0-9]{48})\\b",
		.message = "a Perplexity API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"pplx-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"PPLX_KEY=pplx-"
			"RccQF6Hyit41X2xLy9tpz6tIgJzIJlOuyOcxHgVhofgI1f4D"),
		.examples_false = REVIEW_STRV(
			"pplx-short",
			"pplx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xx"),
	},
	{
		.id = "secrets/databricks-token",
		.pattern = "\\b(dapi[0-9a-f]{32}(?:-[0-9])?)\\b",
		.message = "a Databricks access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"dapi"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"DATABRICKS_TOKEN=dapi"
			"18ba50fe304a619923b98a449179be2a"),
		.examples_false = REVIEW_STRV(
			"dapiVersion", "dapi00000000000000000000000000000000"),
	},
	{
		.id = "secrets/datadog-api-key",
		.pattern =
			"(?i)\\b(?:datadog|dd)[_.\\-]?(?:api|app(?:lication)"
			"?)[_.\\-]?key[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']"
			"?([0-9a-f]{32}|[0-9a-f]{40})\\b",
		.message = "a Datadog API or application key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"datadog", "dd_api", "dd_app", "dd-api", "dd-app",
			"ddapi", "ddapp", "dd.api", "dd.app"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"DD_API_KEY="
			"630e91d82a37bd8a2fe90c2eb521f8fd",
			"datadog_app_key: "
			"eb4342ba1903c341be845eaa748dee2ea2b62b65"),
		.examples_false = REVIEW_STRV(
			"DD_API_KEY=${DD_API_KEY}",
			"DD_API_KEY=00000000000000000000000000000000"),
	},
	{
		.id = "secrets/newrelic-api-key",
		.pattern = "\\b(NR(?:AK|II|JS)-[A-Za-z0-9]{19,32})\\b",
		.message = "a New Relic API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"NRAK-", "NRII-", "NRJS-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"NEW_RELIC_API_KEY=NRAK-"
			"IB8AVE49QF9KCL179LT6MOQFZ46"),
		.examples_false = REVIEW_STRV(
			"NRAK-short", "NRAK-XXXXXXXXXXXXXXXXXXXXXXXXXXX"),
	},
	{
		.id = "secrets/sentry-dsn-secret",
		.pattern =
			"(?i)https?://[0-9a-f]{32}:([0-9a-f]{32})@[a-z0-9.\\"
			"-]*sentry",
		.message = "a Sentry DSN with its secret key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sentry"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SENTRY_DSN=https://"
			"978828fc5b9bc4448459df2b4c4c3cbd:"
			"1d716795f27249cc779fc933799441e4@o1.ingest.sentry.i"
			"o/42"),
		.examples_false = REVIEW_STRV(
			"SENTRY_DSN=https://abc@o1.ingest.sentry.io/42",
			"sentry.init()"),
	},
	{
		.id = "secrets/sentry-auth-token",
		/*
		 * Org tokens carry base64 JSON (iat, url, org) and a 43-byte
		 * secret; user tokens are 64 hex digits.
		 */
		.pattern =
			"\\b(sntrys_eyJ[A-Za-z0-9+/=]{20,}_[A-Za-z0-9+/]{43}(?"
			"![A-Za-z0-9+/])|sntryu_[a-f0-9]{64}(?![A-Za-z0-9]))",
		.message = "a Sentry auth token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sntrys_", "sntryu_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"SENTRY_AUTH_TOKEN=sntrys_"
			"eyJpYXQiOiAxNzAwMDAwMDAwLjEsICJ1cmwiOiAiaHR0cHM6Ly9"
			"zZW50cnkuaW8iLCAicmVnaW9uX3VybCI6ICJodHRwczovL3VzLn"
			"NlbnRyeS5pbyIsICJvcmciOiAiYWNtZSJ9_PtYgjmUhBel31iEl2"
			"hpChYgCfrL1spNxnyVmihA/2O7",
			"sntryu_"
			"948beb75b044a8fe8b9e28ebd1049852b9dbc8a3e1bd460d86f"
			"0ec5ef73fa672"),
		.examples_false = REVIEW_STRV(
			"sntrys_short",
			"sntryu_6a5de5cbb986b3b5485877e688fa5b900cd9b44322357"
			"b17bdd8ec0bec2b3be",
			"sntryu_00000000000000000000000000000000000000000000"
			"00000000000000000000"),
	},
	{
		.id = "secrets/grafana-cloud-token",
		.pattern = "\\b(glc_[A-Za-z0-9+/]{32,400}={0,2})",
		.message = "a Grafana Cloud access policy token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glc_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"GRAFANA_TOKEN=glc_"
			"S3a+vvfMY0J5v+5/Ulvx/chxZOTdSjEvyToCE8b7XGP3fvSHeLM"
			"fRvsfTL46acip7IqHAwqvMm0xOFZ07qvtRNqrYPwc3lAPm68fdD"
			"GEhnTiUHcBInuVfLKx=="),
		.examples_false = REVIEW_STRV(
			"glc_short",
			"glc_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/grafana-service-account-token",
		.pattern = "\\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\\b",
		.message = "a Grafana service account token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"glsa_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"GRAFANA_SA_TOKEN=glsa_"
			"OdNkuzFrB9ISpY37n5ZjLlRXreazk1aY_"
			"811be347"),
		.examples_false = REVIEW_STRV(
			"glsa_short",
			"glsa_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_00000000"),
	},
	{
		.id = "secrets/planetscale-token",
		.pattern =
			"\\b(pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\\-.=]{32,64"
			"})",
		.message = "a PlanetScale token or password" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"pscale_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"DATABASE_PASSWORD=pscale_pw_"
			"ChHaxdZ8hCv4Artqlz_WBU7POQnvZUAqrbzqGG_SGiu"),
		.examples_false = REVIEW_STRV(
			"pscale_pw_short",
			"pscale_tkn_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxx"),
	},
	{
		.id = "secrets/supabase-token",
		.pattern =
			"\\b(sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_\\-]{20,}"
			")",
		.message =
			"a Supabase access token or secret key"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sbp_", "sb_secret_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"SUPABASE_ACCESS_TOKEN=sbp_"
			"67ae162bd6ec1ebf5863b041b4071dd134cdbcf3",
			"sb_secret_"
			"71ZKeZ63YCwrR74QbuzqT5jUCFVy3GNd"),
		.examples_false = REVIEW_STRV(
			"sbp_short",
			"sbp_0000000000000000000000000000000000000000"),
	},
	{
		.id = "secrets/firebase-fcm-server-key",
		.pattern =
			"\\b(AAAA[A-Za-z0-9_\\-]{7}:APA91b[A-Za-z0-9_\\-]{10"
			"0,})",
		.message =
			"a Firebase Cloud Messaging server key"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			":APA91b"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"FCM_SERVER_KEY=AAAA"
			"ZGowOQa:APA91b"
			"Zl4wqVq6ApS4OCABSSz_79PiCfy4b9gbhJBtbnERVcvL3Usy__c"
			"UcjrXHwVXZj9gxDsKBjWzBWKugCYMsYWy2FWSuYjilFGdWibtgE"
			"UJkEUzyOpGnCQteO5W7WFxAWaWXHoStI"),
		.examples_false = REVIEW_STRV(
			"AAAAabc:APA91bshort",
			"AAAAxxxxxxx:APA91bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/algolia-admin-key",
		.pattern =
			"(?i)algolia[\\w.\\-]*(?:admin|api|write)[\\w.\\-]*k"
			"ey[\\w.\\-]*[\"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?"
			"([a-f0-9]{32})\\b",
		.message = "an Algolia admin or write API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"algolia"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"ALGOLIA_ADMIN_KEY="
			"edb702d544922b62edb5d029b98ed6f0"),
		.examples_false = REVIEW_STRV(
			"algolia_admin_key = process.env.ALGOLIA_ADMIN_KEY",
			"ALGOLIA_API_KEY=00000000000000000000000000000000"),
	},
	{
		.id = "secrets/mapbox-secret-token",
		.pattern =
			"\\b(sk\\.eyJ[A-Za-z0-9_\\-]{50,}\\.[A-Za-z0-9_\\-]{"
			"20,})",
		.message = "a Mapbox secret access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sk.eyJ"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"MAPBOX_SECRET=sk.eyJ1Ijoi"
			"SJh66w7GJj3qC6SxlXX-Sheh0TaMd1FP580CZZ1nROGxKCw18U1"
			"gQzq2Y3j5."
			"OLpYH6m2NWOJLDt6xnyB8c"),
		.examples_false = REVIEW_STRV(
			"pk.eyJ1Ijoixxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxx",
			"sk.eyJshort.x"),
	},
	{
		.id = "secrets/okta-api-token",
		.pattern =
			"(?i)okta[\\w.\\-]*(?:token|key|secret)[\\w.\\-]*[\""
			"']?[ \\t]*(?::=|=>|:|=)[ \\t]*[\"']?(00[A-Za-z0-9_"
			"\\-]{40})\\b",
		.message = "an Okta API token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"okta"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"OKTA_API_TOKEN=00"
			"g7t1mGBd8wjVApMtcO6-IkWPZpnomOVr8JW_F4U1"),
		.examples_false = REVIEW_STRV(
			"okta_token = os.environ[\"OKTA_TOKEN\"]",
			"OKTA_API_TOKEN=00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxx"),
	},
	{
		.id = "secrets/age-secret-key",
		.pattern =
			"\\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA"
			"7L]{58})\\b",
		.message = "an age encryption secret key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"AGE-SECRET-KEY-1"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"AGE-SECRET-KEY-1"
			"76PPWAQXG5PEDY87E03F4FJC8UDZ9ZEPH89E5Z3RPDFKCTTNMEC"
			"6A38CKN"),
		.examples_false = REVIEW_STRV(
			"AGE-SECRET-KEY-1...",
			"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
			"QQQQQQQQQQQQQQQQQQQQQQQ"),
	},
	{
		.id = "secrets/private-key",
		.pattern =
			"-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?---"
			"--[ \\t]*\\r?\\n(?:[ \\t]*[A-Za-z][A-Za-z0-9\\-]*:"
			"[^\\r\\n]*\\r?\\n|[ \\t]*\\r?\\n){0,8}[ \\t]*([A-Za-z"
			"0-9+/]{40,}={0,2}(?:[^-]{0,16384}[^\\s-])?)",
		.message = "a private key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"PRIVATE KEY"),
		.keywords_local = 1,
		.multiline = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"-----BEGIN RSA PRIVATE KEY-----\n"
			"MIIEow"
			"axKYpSikYHtdPqxoY7a1nVFRgJyu2AkTlgjjijmuBn+3qTSDzz0"
			"+sYWRLD\n"
			"shQ/GjTYdVHVFT+UK3otRv7dX1AXRTWUm0cv5wVXcAwCchwAOQn"
			"OSqPdO9SG/Yra\n"
			"ljsdEP30SXfVKgp/R/IDBe4jqP5qZPP8SBNaupOKWJwMALc0Laz"
			"iY4bt/ovrnUai\n-----END RSA PRIVATE KEY-----",
			"key:\n-----BEGIN OPENSSH PRIVATE KEY-----\r\n"
			"b3BlbnNzaC1rZXktdjEAAAAA"
			"Q2muTSerx7gzkZhUDUuGEPV7KCRDjhMgvqBUsTkp3danTy\r\n"
			"FFVAQ0EqV5DYkhuoonOM/OYYdLdG3DVpI9Cfx5d7W4cR1ZIPzu/"
			"ELPcZVphL7BQm+aNb34\r\n"
			"-----END OPENSSH PRIVATE KEY-----\r\n",
			"-----BEGIN PGP PRIVATE KEY BLOCK-----\n"
			"Version: GnuPG v2\n\n"
			"lQOYB"
			"2u5OdlMC8hXy/sq1sPRGv+57oNIlkI2Ged8sAi3+KGjAKstNQFG"
			"gM7e8YbW\n"
			"cE4SvVbnRb3oE96QGQ7ovGRsjdSfc92XBTcb8ru2D8GvNiWKfEY"
			"tUJoqW5h+QKg6\n=ab12\n"
			"-----END PGP PRIVATE KEY BLOCK-----",
			"deploy_key: |\n"
			"  -----BEGIN EC PRIVATE KEY-----\n"
			"  MHcC"
			"AQEEIBq7Zp2Lk9Xw4Rt8Nv3Mc6Hd0Ys5FbGu1Jo2Ri8Tk5Mn3Vb7\n"
			"  oAoGCCqGSM49AwEHoUQDQgAEk2Wc8Pq4Lr7Xs1Ty9Uz3Va6Bn0"
			"Cm5Dk\n"
			"  -----END EC PRIVATE KEY-----\n"),
		.examples_false = REVIEW_STRV(
			"-----BEGIN RSA PRIVATE KEY-----\n"
			"...\n-----END RSA PRIVATE KEY-----",
			"\"-----BEGIN PRIVATE KEY-----\" marks the start",
			"-----BEGIN PUBLIC KEY-----\n"
			"MIIBIj@b64:58@\n-----END PUBLIC KEY-----"),
	},
	{
		.id = "secrets/putty-private-key",
		.pattern =
			"PuTTY-User-Key-File-[23]:[^\\r\\n]*\\r?\\n(?:[^\\r"
			"\\n]*\\r?\\n){0,40}?Private-Lines:[ \\t]*[0-9]+\\r?"
			"\\n([A-Za-z0-9+/=]{40,}(?:\\r?\\n[A-Za-z0-9+/=]+$)*)",
		.message = "a PuTTY private key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"PuTTY-User-Key-File-"),
		.keywords_local = 1,
		.multiline = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"PuTTY-User-Key-File-3: ssh-ed25519\n"
			"Encryption: none\nComment: deploy\n"
			"Public-Lines: 2\n"
			"RdZn2zPIC4yQWg01M53NMe4Y26g1NCVbc7QT/gVvje9jgbEmwy2"
			"M1DUDzjt4dy8C\n"
			"z4MVVBi0hTSZzS8p\nPrivate-Lines: 1\n"
			"8wQB3fwQNwmX/NtQ6EPsd1kogoDcLGWTbC+B4HFec64V\n"
			"Private-MAC: "
			"5d61e83e05602ae2c7a308dcf82b1610a63f85ed5949c37c867"
			"f38813e9237eb"),
		.examples_false = REVIEW_STRV(
			"PuTTY-User-Key-File-3: ssh-ed25519\n"
			"Encryption: none\nPublic-Lines: 1\n"
			"AAAA\nPrivate-Lines: 1\n"
			"<key>",
			"PuTTY-User-Key-File-2 format"),
	},
	{
		.id = "secrets/jwt",
		.pattern =
			"\\b(eyJ[A-Za-z0-9_\\-]{10,}\\.eyJ[A-Za-z0-9_\\-]{10"
			",}\\.[A-Za-z0-9_\\-]{10,})",
		.message =
			"a JSON Web Token is committed: if it is live it gra"
			"nts whatever its claims say until it expires; inval"
			"idate it (rotate the signing key if it cannot be re"
			"voked) and generate test tokens at run time instead",
		.severity = REVIEW_SEV_WARNING,
		.keywords = REVIEW_STRV(
			"eyJ"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"Authorization: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
			".eyJ"
			"fj6UfXPyc94XWp2tBzLFVrZBANlUIfvLP8pvEXNt_Z-UWpKFkay"
			"pupL0YfmY."
			"21ZTTOPqVCyY9UtySd_atADPpjUjKxok_OG96dpkBWp"),
		.examples_false = REVIEW_STRV(
			"eyJhbGciOiJIUzI1NiJ9",
			"eyJ0eXAi.eyJzdWIi.sig",
			"token = \"eyJhbGciOiJIUzI1NiJ9.eyJ<payload>.<signat"
			"ure>\""),
	},
	{
		.id = "secrets/database-url-password",
		.pattern =
			"(?i)\\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:"
			"\\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|"
			"cockroachdb)://[^\\s:@/\\'\"]*:([^\\s@/\\'\"]{3,})@"
			"[^\\s\\'\"]+",
		.message = "a database URL with a password" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"postgres://", "postgresql://", "mysql://",
			"mariadb://", "mongodb://", "mongodb+srv://",
			"redis://", "rediss://", "amqp://", "amqps://",
			"mssql://", "sqlserver://", "clickhouse://",
			"cockroachdb://"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 2.5,
		.allow = REVIEW_STRV(
			"^(?i:postgres|mysql|root|admin|password|passwd|pass"
			"|secret|guest|user|mongo|redis|rabbitmq|pwd|pw)$",
			"^[$%@]"),
		.examples_true = REVIEW_STRV(
			"DATABASE_URL=postgres://app:"
			"4jKbgXdJwpbm2s5y@db.internal:5432/app",
			"mongodb+srv://admin:"
			"4MWVt0oIGNbd@cluster0.mongodb.net/",
			"REDIS_URL=redis://:"
			"XVf0pdmhQjt2CknwDXed@cache:6379/0"),
		.examples_false = REVIEW_STRV(
			"postgres://postgres:postgres@localhost/dev",
			"DATABASE_URL=postgres://user:${DB_PASSWORD}@db/app",
			"mysql://root@localhost/test",
			"postgres://app:$PGPASSWORD@db/app"),
	},
	{
		.id = "secrets/url-basic-auth",
		.pattern =
			"(?i)\\b(?:https?|ftps?)://[A-Za-z0-9._%+\\-]{1,64}:"
			"([^\\s@/\\'\"<>]{3,})@[A-Za-z0-9.\\-]+",
		.message = "credentials embedded in a URL" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"http", "ftp"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 2.5,
		.allow = REVIEW_STRV(
			"^(?i:postgres|mysql|root|admin|password|passwd|pass"
			"|secret|guest|user|mongo|redis|rabbitmq|pwd|pw)$",
			"^[$%@]"),
		.examples_true = REVIEW_STRV(
			"pip install --index-url https://deploy:"
			"R5nTKfyVYSnTH4xdny@pypi.internal.io/simple pkg",
			"proxy = \"http://svc:"
			"uZ0irghuMjZDO6@proxy.corp:3128\""),
		.examples_false = REVIEW_STRV(
			"https://user@github.com/o/r",
			"https://x-access-token:${GITHUB_TOKEN}@github.com/o"
			"/r",
			"http://host:8080/path",
			"https://user:password@host"),
	},
	{
		.id = "secrets/connection-string-password",
		.pattern =
			"(?i)[;?&][ \\t]*(?:password|pwd)=([^;&\\'\"\\s()]{4"
			",})(?=[;&\\'\"]|\\s|$)",
		.message = "a password in a connection string" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"password=", "pwd="),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 2.5,
		.allow = REVIEW_STRV(
			"^(?i:postgres|mysql|root|admin|password|passwd|pass"
			"|secret|guest|user|mongo|redis|rabbitmq|pwd|pw)$",
			"^[$%@]"),
		.examples_true = REVIEW_STRV(
			"Server=db;Database=app;User Id=sa;Password="
			"JonIoiXjL4AxPm;",
			"jdbc:mysql://db/app?user=app&password="
			"mRaLYuEI2fQH"),
		.examples_false = REVIEW_STRV(
			"Server=db;User Id=sa;Password=${DB_PASSWORD};",
			"x = 1; password = get_password(a, b);",
			"?user=a&password=password",
			"f(a);\npassword = buffer_reader(x, 1);"),
	},
	{
		.id = "secrets/authorization-basic",
		.pattern =
			"(?i)\\bAuthorization[\"\\']?[ \\t]*[:=,][ \\t]*[\""
			"\\']?Basic[ \\t]+([A-Za-z0-9+/]{8,}={0,2})",
		.message = "HTTP Basic credentials" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"authorization"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"curl -H \"Authorization: Basic "
			"0uVATz89B1Bau2RJrkvAygvNJghW8oUE\" https://api.inte"
			"rnal"),
		.examples_false = REVIEW_STRV(
			"\"Authorization: Basic \" + base64(creds)",
			"Authorization: Basic ${CREDS}"),
	},
	{
		.id = "secrets/authorization-bearer",
		.pattern =
			"(?i)\\bAuthorization[\"\\']?[ \\t]*[:=,][ \\t]*[\""
			"\\']?Bearer[ \\t]+([A-Za-z0-9_\\-.~+/]{20,}=*)",
		.message = "an HTTP bearer token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"authorization"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"curl -H \"Authorization: Bearer "
			"x4NJMW-rDkF21OYdGPYAHm0mfiIKar2Qm4ZWGYbP\" https://"
			"api.internal"),
		.examples_false = REVIEW_STRV(
			"headers[\"Authorization\"] = \"Bearer \" + token",
			"Authorization: Bearer $ACCESS_TOKEN_FROM_LOGIN"),
	},
	{
		.id = "secrets/stripe-test-key",
		.pattern = "\\b(?:sk|rk)_test_([0-9A-Za-z]{10,99})\\b",
		.message =
			"a Stripe test-mode secret key is committed: it moves "
			"no money, but anyone who reads it can read and change "
			"the account's test data and webhooks; revoke it (roll "
			"it in the dashboard) and load it from the environment",
		.severity = REVIEW_SEV_WARNING,
		.keywords = REVIEW_STRV(
			"sk_test_", "rk_test_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"STRIPE_KEY=sk_test_"
			"bqnsGpWLuqIA1id6Vw5DQL05"),
		.examples_false = REVIEW_STRV(
			"sk_test_short", "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx"),
	},
	{
		.id = "secrets/duffel-api-token",
		.pattern =
			"\\bduffel_(?:test|live)_([A-Za-z0-9_\\-=]{43})(?![A-Z"
			"a-z0-9_\\-=])",
		.message = "a Duffel API token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"duffel_test_", "duffel_live_"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"DUFFEL_TOKEN=duffel_live_"
			"3J1TWDtkwtDDb_xHKas1VOqg6YYZYn9ZhyiA4uoRgna"),
		.examples_false = REVIEW_STRV(
			"duffel_test_short"),
	},
	{
		.id = "secrets/flutterwave-key",
		.pattern =
			"\\bFLW(?:SECK|PUBK)_TEST-?([a-fA-F0-9]{32}-X|[a-fA-F0-"
			"9]{12})(?![A-Za-z0-9])",
		.message = "a Flutterwave API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"FLWSECK_TEST", "FLWPUBK_TEST"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 2.5,
		.examples_true = REVIEW_STRV(
			"FLW_SECRET=FLWSECK_TEST-"
			"ed5ac06e2559dd98993ced429fa05ea3-X",
			"FLW_ENC=FLWSECK_TEST"
			"c25f51410161"),
		.examples_false = REVIEW_STRV(
			"FLWSECK_TEST-xxxxxxxx"),
	},
	{
		.id = "secrets/sidekiq-enterprise-credentials",
		.pattern =
			"(?i)(?|BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[a-z"
			"0-9_.\\-]{0,40}[\"']?[ \\t]*(?::{1,3}=|\\?=|=|:)[ \\t]*"
			"[\"']?([a-f0-9]{8}:[a-f0-9]{8})|https?://[a-f0-9]{8}:("
			"[a-f0-9]{8})@(?:gems|enterprise)\\.contribsys\\.com)"
			"(?![a-f0-9])",
		.message =
			"Sidekiq Pro/Enterprise gem-server credentials"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"contribsys"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 1.5,
		.examples_true = REVIEW_STRV(
			"BUNDLE_ENTERPRISE__CONTRIBSYS__COM="
			"095aa292:05855c1d",
			"source \"https://095aa292:"
			"05855c1d@gems.contribsys.com/\""),
		.examples_false = REVIEW_STRV(
			"BUNDLE_GEMS__CONTRIBSYS__COM=${SIDEKIQ_CREDS}",
			"https://gems.contribsys.com/"),
	},
	{
		/*
		 * A JWT, base64-encoded once more (Kubernetes Secret data,
		 * .netrc-style blobs): "eyJ" becomes "ZXlK", and the "." and
		 * "eyJ" that start the payload become one of three strings,
		 * by their offset modulo 3.
		 */
		.id = "secrets/jwt-base64",
		.pattern =
			"\\b(ZXlK[A-Za-z0-9+/]{8,}(?:LmV5S|5leU|uZXlK)[A-Za-z"
			"0-9+/]{20,}={0,2})(?![A-Za-z0-9+/=])",
		.message =
			"a base64-encoded JSON Web Token is committed: if it "
			"is live it grants whatever its claims say until it "
			"expires; invalidate it and generate test tokens at "
			"run time instead",
		.severity = REVIEW_SEV_WARNING,
		.keywords = REVIEW_STRV(
			"ZXlK"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"  token: ZXlK"
			"aGJHY2lPaUpJVXpJMU5pSjkuZXlKTDdEeHRwWWxTWHBmS3RIRjR"
			"2VUNzTWVoR0FrV3ZqLl8xZmpPUlMtNmlsSThpaE41S1hTYzdUdm"
			"8taEJLcUZZWS1rdjVaSnI="),
		.examples_false = REVIEW_STRV(
			"ZXlKaGJHY2lPaUpJVXpJMU5pSjk=",
			"data: ZXlKdGIyUmxJam9pWkdWMklpd2ljbVZuYVc5dUlqb2laWFV"
			"pZlE="),
	},
	{
		/*
		 * curl with a user and password on its command line, on
		 * the same line or on a continuation line (`\` at the end).
		 */
		.id = "secrets/curl-user-password",
		.pattern =
			"\\bcurl\\b(?:[^\\r\\n]*\\\\\\r?\\n){0,8}?[^\\r\\n]*?[ \\t"
			"](?:-u|--user)(?:[ \\t]+|=)[\"']?[^\\s:\"'$]{0,64}:([^"
			"\\s\"'$][^\\s\"']{3,199})(?=[\"']?(?:\\s|$))",
		.message = "a password on a curl command line" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"curl"),
		.keywords_local = 1,
		.multiline = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 2.5,
		.allow = REVIEW_STRV(
			"^(?i:password|passwd|pass|secret|changeme|admin|root"
			"|guest|user|pwd|pw)$",
			"^\\[[^\\]]*\\]$"),
		.examples_true = REVIEW_STRV(
			"curl -s -u deploy:"
			"GRlrwZbqcabUGJ https://ci.internal/api",
			"curl -X POST https://search:9200/_bulk \\\n"
			"  -H 'Content-Type: application/json' \\\n"
			"  --user 'elastic:"
			"Wq9zR2mLx7Tb'"),
		.examples_false = REVIEW_STRV(
			"curl -u \"$USER:$PASSWORD\" https://x",
			"curl -u admin: https://x",
			"curl -u user:password https://x"),
	},
	{
		.id = "secrets/onepassword-secret-key",
		.pattern =
			"\\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]"
			"{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\\b",
		.message = "a 1Password account secret key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"A3-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"OP_SECRET_KEY=A3-"
			"TI1QZ6-I7LWRW-JIVWP-UFPQB-ZN5SW-AXPNV"),
		.examples_false = REVIEW_STRV(
			"A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
			"A3-short"),
	},
	{
		.id = "secrets/onepassword-service-account-token",
		.pattern = "\\b(ops_eyJ[A-Za-z0-9+/]{250,}={0,3})(?![A-Za-z0-9+/=])",
		.message = "a 1Password service account token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"ops_eyJ"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.5,
		.examples_true = REVIEW_STRV(
			"OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ"
			"575yx8xm5MslfY5ubiheyEd7P4zDL/ak6J0kGODKdinZnLXicaB"
			"Ag8WY1jzIRlNQb0prFmbh7+wy5yq1XoY1BaIMcAxYmfsB4HbQLX"
			"jjlAFbVV6q9rXxtNDFyuzX9k1gnneGEYG1+LwiqD9jJBAciI05F"
			"hfwKVqlUr5Qrec8TNecj9iNOrjj5VfqRTk8j1d/bWWbjkloG1QX"
			"647kdNl9cDo/+GbVMszvR4/EPZGz3zBXCOArr/SfiJvo58JB0W/"
			"O5PjeJfJTNcrZ6ydIEsgo5nVjzz8Gwb8ewCISuYCl0Xq5"),
		.examples_false = REVIEW_STRV(
			"ops_eyJshort"),
	},
	{
		.id = "secrets/facebook-access-token",
		.pattern = "\\b(EAA[MC][A-Za-z0-9]{90,})(?![A-Za-z0-9])",
		.message = "a Facebook access token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"EAAM", "EAAC"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"FB_TOKEN=EAAM"
			"DmO46ayJKP4GY08vDuPngU30ZP7Thnp5yftIY7uq6T2bwGfcCvJ"
			"AXrF6bnZ3eBZclIvRY6iEjH5UH1RSC84FL8SfWoCHJs1UJOkHG1"
			"6JqtQy9235Nnt2j9IH"),
		.examples_false = REVIEW_STRV(
			"EAAMshort"),
	},
	{
		.id = "secrets/easypost-api-key",
		.pattern = "\\b(EZ[AT]K[A-Za-z0-9]{54})(?![A-Za-z0-9])",
		.message = "an EasyPost API key" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"EZAK", "EZTK"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 4.0,
		.examples_true = REVIEW_STRV(
			"key = \"EZAK"
			"rKFmAIhGaMybIcH6zIZKhFfSke7IDA69Z7zrpEFivB50756EHug"
			"mAN\""),
		.examples_false = REVIEW_STRV(
			"EZAKshort"),
	},
	{
		.id = "secrets/intra42-client-secret",
		.pattern = "\\b(s-s4t2(?:ud|af)-[a-f0-9]{64})\\b",
		.message = "a 42 intranet OAuth client secret" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"s-s4t2"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"CLIENT_SECRET=s-s4t2ud-"
			"a2eab0e1a34519d9d207a67f000e15f44000de1ec26d77e06ad"
			"055d40c9dab9e"),
		.examples_false = REVIEW_STRV(
			"s-s4t2ud-short"),
	},
	{
		.id = "secrets/openshift-user-token",
		.pattern = "\\b(sha256~[A-Za-z0-9_\\-]{43})(?![A-Za-z0-9_\\-])",
		.message = "an OpenShift user token" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"sha256~"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		.examples_true = REVIEW_STRV(
			"oc login --token=sha256~"
			"yxoAwuKmhr7jmPY72T3AVbfzx06UVZyvmbPkZyRHJou"),
		.examples_false = REVIEW_STRV(
			"sha256~short"),
	},
	{
		.id = "secrets/adobe-client-secret",
		.pattern = "\\b(p8e-[A-Za-z0-9]{32})(?![A-Za-z0-9])",
		.message = "an Adobe OAuth client secret" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"p8e-"),
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.0,
		.examples_true = REVIEW_STRV(
			"ADOBE_CLIENT_SECRET=p8e-"
			"6e457f60fc439da5b123406fc690d6ad"),
		.examples_false = REVIEW_STRV(
			"p8e-short"),
	},
	{
		/*
		 * NuGet.Config keeps feed credentials as <add key="..."
		 * value="..."/>; ClearTextPassword is the password itself.
		 */
		.id = "secrets/nuget-config-password",
		.paths = REVIEW_STRV(
			"[Nn]u[Gg]et.[Cc]onfig", "*.nuget.config"),
		.example_path = "NuGet.Config",
		.pattern =
			"(?i)<add[ \\t]+key[ \\t]*=[ \\t]*[\"'](?:ClearText)?Pa"
			"ssword[\"'][ \\t]+value[ \\t]*=[ \\t]*[\"']([^\"'\\s]{"
			"4,200})[\"']",
		.message = "a NuGet feed password" SECRETS_ROTATE,
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV(
			"password"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 2.5,
		.allow = REVIEW_STRV(
			"^%[A-Za-z0-9_]+%$"),
		.examples_true = REVIEW_STRV(
			"<add key=\"ClearTextPassword\" value=\""
			"Rk4sPq9vWm2z\" />"),
		.examples_false = REVIEW_STRV(
			"<add key=\"ClearTextPassword\" value=\"%FEED_PASS%\" />",
			"<add key=\"Username\" value=\"deploy-bot-2024\" />"),
	},
	{
		/*
		 * A service's credential under a name that says whose it
		 * is, in the shapes of the generic rule: `dropbox_token =
		 * "..."`. The service names it knows are those whose keys
		 * have no prefix of their own and are often shorter, or
		 * less random-looking (hex, digits), than the generic rule
		 * accepts; the name must also say that it is a credential.
		 */
		.id = "secrets/service-credential-assignment",
		.pattern =
			"(?i)(?:^|[^a-z0-9])[a-z0-9_.\\-]{0,40}?"
			/* the service's name starts a word of the name */
			"(?-i:(?<![A-Za-z0-9])|(?<=[a-z0-9])(?=[A-Z]))"
			"(?:adafruit|a"
			"dobe|airtable|algolia|alibaba|asana|beamer|bitbucket"
			"|bittrex|clojars|codecov|coinbase|confluent|contentf"
			"ul|datadog|discord|drone(?:ci)?|dropbox|etsy|facebook|fastl"
			"y|finicity|finnhub|flickr|frameio|freshbooks|gitter|"
			"gocardless|hubspot|intercom|kraken|kucoin|launchdarkl"
			"y|linkedin|lob|looker|mailgun|mattermost|maxmind|mer"
			"aki|messagebird|netlify|nytimes|okta|plaid|prefect|r"
			"apidapi|readme|sendbird|sendinblue|sumo(?:logic)?|travis(?:ci)?|twitc"
			"h|twitter|typeform|yandex|zendesk|heroku|snyk|sonar|"
			"trello|twilio|infracost|squarespace|settlemint|fina"
			"nce|bitfinex)(?-i:(?![a-z]))[a-z0-9_.\\-]{0,40}?(?:t"
			"oken|key|secret|"
			"pass|pwd|auth|id|credential|sid)[a-z0-9_.\\-]{0,40}+"
			"(?:(?:[ \\t]*:[ \\t]*|[ \\t]+)[a-z_][a-z0-9_.\\[\\]*<>]{0"
			",30}+(?=[ \\t]*=[^=]))?"
			"(?:[\"\\'][ \\t]*,|[\"\\']?[ \\t]*(?::{1,3}=|\\?\\?"
			"?=|\\.=|\\+=|\\|\\|=|=>|:|=))[ \\t]*(?:\\r?\\n[ \\t]*)?"
			"(?|[\"\\'`](?:(?:live|test)_(?:pub_)?)?([^\"\\'`\\s]{1"
			"2,200})[\"\\'`]|(?:(?:live|test)_(?:pub_)?)?([A-Za-z0-"
			"9/+_\\-=~.:|]{12,200})(?=\\s|$|[;,\"\\']|\\\\[nrt]))",
		.message =
			"a value that looks like a service's credential is "
			"assigned to a name that says whose it is"
			SECRETS_ROTATE,
		.severity = REVIEW_SEV_WARNING,
		.keywords = REVIEW_STRV(
			"adafruit", "adobe", "airtable", "algolia", "alibaba",
			"asana", "beamer", "bitbucket", "bittrex", "clojars",
			"codecov", "coinbase", "confluent", "contentful",
			"datadog", "discord", "drone", "dropbox", "etsy",
			"facebook", "fastly", "finicity", "finnhub", "flickr",
			"frameio", "freshbooks", "gitter", "gocardless",
			"hubspot", "intercom", "kraken", "kucoin",
			"launchdarkly", "linkedin", "lob", "looker", "mailgun",
			"mattermost", "maxmind", "meraki", "messagebird",
			"netlify", "nytimes", "okta", "plaid", "prefect",
			"rapidapi", "readme", "sendbird", "sendinblue", "sumo",
			"travis", "twitch", "twitter", "typeform", "yandex",
			"zendesk", "heroku", "snyk", "sonar", "trello",
			"twilio", "infracost", "squarespace", "settlemint",
			"finance", "bitfinex"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 2.5,
		/* names and words, not values (see the generic rule) */
		.allow = REVIEW_STRV(
			"^[a-z_./\\-]+$|^[A-Z][a-z]+$",
			"^_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_?$|^[A-Z][A-Z0-9]*(?"
			":-[A-Z][A-Z0-9]*)+$",
			"^[a-z]{2,}(?:[A-Z]{1,4}[a-z]{2,})+[A-Z]{0,4}[0-9]{0,3}$",
			"^(?:\\$|%|@|process\\.|os\\.|env\\.|secrets\\.|vars"
			"\\.|self\\.|this\\.|https?://)",
			"\\.(?:json|ya?ml|toml|txt|pem|key|com|org|io|net)$"),
		.skip_paths = SECRETS_FIXTURES,
		.examples_true = REVIEW_STRV(
			"dropbox_token = \""
			"706i8j76b2lajlj\"",
			"ASANA_CLIENT_ID="
			"7918058887180334",
			"var facebookSecret string = \""
			"bd8ac8402891208e7d684c17c03de5e2\"",
			"lobKey: test_"
			"e81d69f1f7647054c5a488a643cd1dc22bf",
			"SUMOLOGIC_ACCESS_ID="
			"suSJRQaQmROBlY",
			"myTravisCiToken = \""
			"q8Jd3kZr0vLw2X\""),
		.examples_false = REVIEW_STRV(
			"dropbox_token = os.environ[\"DROPBOX_TOKEN\"]",
			"facebook_app_id = \"FACEBOOK_APP_ID\"",
			"twitter_token_url = \"https://api.twitter.com/oauth2\"",
			"okta_client_id: ${OKTA_CLIENT_ID}",
			"discordToken = readTokenFromFile",
			"GLOBAL_TOKEN_IDENTIFIER = '!real_csrf_token_2024'",
			"TOKEN_IDENTIFIER = 'Hq2r8LmZ0pXv4TnBw7Ks'",
			"csrf_token_key = '!real_csrf_token'",
			"lobby_token = \"Hq2r8LmZ0pXv4TnBw7Ks\"",
			"slack_token: \"xxxxxxxxxxxx\""),
	},
	{
		.id = "secrets/generic-secret-assignment",
		.pattern =
			/*
			 * the name: one that says it holds a secret, but not
			 * a public or CSRF token, nor the id or the name of a
			 * secret (SECRET_NAME = "PROD-DB-KEY", UserSecretsId)
			 */
			"(?i)(?:^|[^a-z0-9])[a-z0-9_.\\-]{0,40}?(?:secret|toke"
			"n|passw(?:or)?d|pwd|api[_.\\-]?key|access[_.\\-]?key"
			"|auth[_.\\-]?key|private[_.\\-]?key|client[_.\\-]?se"
			"cret|credentials?|creds)(?<!publictoken|csrftoken|xs"
			"rftoken)(?<!public[_.\\-]token|csrf[_.\\-]token|xsrf["
			"_.\\-]token)[a-z0-9_.\\-]{0,40}+(?<![_.\\-][iI][dD])"
			"(?<![_.\\-]identifier)(?<![_.\\-][nN][aA][mM][eE])(?-"
			"i:(?<![a-z]Id)(?<![a-z]Name))"
			/* a declared type: Go `x string =`, Kotlin `x: String =` */
			"(?:(?:[ \\t]*:[ \\t]*|[ \\t]+)[a-z_][a-z0-9_.\\[\\]*<>]{0"
			",30}+(?=[ \\t]*=[^=]))?"
			/*
			 * the operator: = := ::= :::= ?= ??= .= += ||= => :,
			 * or the comma of a call whose quoted first argument
			 * is the name: setProperty("X_TOKEN", "...")
			 */
			"(?:[\"\\'][ \\t]*,|[\"\\']?[ \\t]*(?::{1,3}=|\\?\\?"
			"?=|\\.=|\\+=|\\|\\|=|=>|:|=))"
			/*
			 * the value: quoted, or bare up to a space, a
			 * separator, a quote or an escaped line end (an
			 * .ini file inside a JSON string)
			 */
			"[ \\t]*(?|[\"\\'`]([^\"\\'`\\s]{16,200})[\"\\'`]|((?"
			"=[^\\s;,]*[0-9])[A-Za-z0-9/+_\\-=~.:]{16,200})(?=\\s|"
			"$|[;,\"\\']|\\\\[nrt]))",
		.message =
			"a value that looks like a hard-coded secret is assi"
			"gned to a name that says it is one: if it is real, "
			"revoke it and load it from the environment or the C"
			"I secret store; if it is not, use an obvious placeh"
			"older such as \"changeme\"",
		.severity = REVIEW_SEV_WARNING,
		.keywords = REVIEW_STRV(
			"secret", "token", "passw", "pwd", "api_key", "apikey",
			"api-key", "api.key", "access_key", "accesskey",
			"access-key", "auth_key", "authkey", "auth-key",
			"private_key", "privatekey", "private-key", "cred"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.secret = 1,
		.secret_group = 1,
		.min_entropy = 3.5,
		/*
		 * Names, not values: paths and words, CONSTANT_NAMES and
		 * camelCaseNames. A random token that starts in lower case
		 * or is all upper case and digits is not one of them.
		 */
		.allow = REVIEW_STRV(
			"^[!#@:]?[a-z_./\\-]+$",
			"^_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+_?$|^[A-Z]+$|^[A-Z]["
			"A-Z0-9]*(?:-[A-Z][A-Z0-9]*)+$",
			"^[a-z]{2,}(?:[A-Z]{1,4}[a-z]{2,})+[A-Z]{0,4}[0-9]{0,3}$",
			"\\.(?:json|ya?ml|toml|txt|pem|key|crt|cer|p12|pfx|j"
			"s|ts|py|rb|go|sh|env|html?|cfg|conf|ini|xml|lock|md"
			"|png|jpg|svg)$",
			"^(?:\\$|%|@|process\\.|os\\.|env\\.|secrets\\.|vars"
			"\\.|self\\.|this\\.)",
			"^https?://",
			"\\.[a-z]{2,6}(?::[0-9]{1,5})?$",
			"^[A-Za-z_][A-Za-z0-9_]*(?:\\.[a-z_]+|\\.[a-z]+(?:[A-Z]"
			"[a-z]+)+)+$",
			"(?:^|[-_.:])v?[0-9]+\\.[0-9]+\\.[0-9]+$",
			"^6fe4476ee5a1832882e326b506d14126$",
			/* the Google API key rule's to judge, public ones too */
			"^AIza[0-9A-Za-z_\\-]{35}$"),
		.skip_paths = SECRETS_FIXTURES,
		.examples_true = REVIEW_STRV(
			"db_password = \""
			"ZaxssbyzsjTd4qfo7n9F\"",
			"API_KEY="
			"H4SJK3eVKMy682OhQ3UVGJI1xCTrpVds",
			"  client_secret: \""
			"k4AQTRm1DYuZXH-b-igah53u4Uay12zdnZUejDdy\"",
			"config.auth_token = '"
			"66DwhDuevXrCrol2x7RCiOObAZjffHOxUAqmEDaU'",
			"api_key: "
			"aDiQ7mDn601wjS3VRZROc4l4",
			"otp_secret = \""
			"KR4XG6LBNZ2W3QYT\"",
			"var apiToken string = \""
			"Hq2r8LmZ0pXv4TnBw7Ks\"",
			"$apiToken .= \""
			"Hq2r8LmZ0pXv4TnBw7Ks\";",
			"System.setProperty(\"API_TOKEN\", \""
			"Hq2r8LmZ0pXv4TnBw7Ks\")",
			"API_TOKEN ::= "
			"Hq2r8LmZ0pXv4TnBw7Ks",
			"API_TOKEN ?= "
			"Hq2r8LmZ0pXv4TnBw7Ks",
			"{\"config.ini\": \"API_TOKEN="
			"Hq2r8LmZ0pXv4TnBw7Ks\\nDEBUG=1\"}",
			"harnessToken = pat."
			"hy0vs99kpshtnp51dzefmr.51elfcxaz5wa3jglmrnd0v8b"),
		.examples_false = REVIEW_STRV(
			"password = \"correct horse battery staple\"",
			"token = request.headers.get(\"X-Token\")",
			"tokenizer_path = \"models/tokenizer.json\"",
			"api_key: \"${{ secrets.API_KEY }}\"",
			"password = \"********************\"",
			"secret = \"your-secret-goes-here-1234\"",
			"max_tokens: 40960000000000000",
			"SECRET_NAME = \"PRODUCTION_DATABASE_SECRET\"",
			"token_var = \"OPENAI_API_KEY_2\"",
			"secret_name = \"productionDatabaseSecret\"",
			"api_key_getter = \"getAPIKeyFromStoreV2\"",
			"accessKey: getAccessTokenFromStore",
			"LLM_SECRET_NAME = \"NEXUS-GPT4-API-KEY\"",
			"publicToken = \"9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJ\"",
			"csrf-token=Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfp",
			"  <UserSecretsId>79a3edd0-2092-40a2-a04d-dcb46d5ca9ed<"
			"/UserSecretsId>",
			"yarn_npm_auth_token: 6fe4476ee5a1832882e326b506d14126",
			"secret_length = X25519.secret_length",
			"dev.credentials.url=dev-lb1.api.f4ke.com:5215",
			"notes = \"Maven - io.jsonwebtoken:jjwt-jackson-0.11.2\"",
			"apiKey: \"AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU\""),
	},
	{
		/*
		 * The generic rule's XML form: an element whose name says it
		 * holds a secret, its value alone between the tags, on one
		 * line or on its own line between them (Spring, Maven and
		 * .NET configs, Android resources).
		 */
		.id = "secrets/xml-element-secret",
		.pattern =
			"(?i)<([a-z0-9_.:\\-]{0,40}?(?:secret|token|passw(?:"
			"or)?d|pwd|api[_.\\-]?key|access[_.\\-]?key|auth[_.\\"
			"-]?key|private[_.\\-]?key)[a-z0-9_.:\\-]{0,40})>[ \\"
			"t]*(?:\\r?\\n[ \\t]*)?(?:(?:live|test)_(?:pub_)?)?([^<>"
			"\\s\"\\']{8,200})[ \\t]*(?"
			":\\r?\\n[ \\t]*)?</\\1>",
		.message =
			"a value that looks like a hard-coded secret is the "
			"text of an element whose name says it is one: if it "
			"is real, revoke it and load it from the environment "
			"or the CI secret store; if it is not, use an obvious "
			"placeholder such as \"changeme\"",
		.severity = REVIEW_SEV_WARNING,
		.keywords = REVIEW_STRV(
			"secret", "token", "passw", "pwd", "api_key", "apikey",
			"api-key", "api.key", "access_key", "accesskey",
			"access-key", "auth_key", "authkey", "auth-key",
			"private_key", "privatekey", "private-key"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.multiline = 1,
		.secret = 1,
		.secret_group = 2,
		.min_entropy = 2.8,
		/* names, words, URLs and ids, not values */
		.allow = REVIEW_STRV(
			"^_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_?$|^[a-z_./\\-]+$|^"
			"[A-Z][a-z]+$|^[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)+$",
			"^[a-z]{2,}(?:[A-Z]{1,4}[a-z]{2,})+[A-Z]{0,4}[0-9]{0,3}$",
			"^(?:\\$|%|@|https?://)",
			"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F"
			"]{4}-[0-9a-fA-F]{12}$"),
		.skip_paths = SECRETS_FIXTURES,
		.examples_true = REVIEW_STRV(
			"<apiToken>\n    "
			"q8Jd3kZr0vLw2XyT5nB7\n</apiToken>",
			"<db.password>"
			"Hq2r8LmZ0pXv4TnB</db.password>"),
		.examples_false = REVIEW_STRV(
			"<apiToken>${API_TOKEN}</apiToken>",
			"<secretName>PRODUCTION_DB_SECRET</secretName>",
			"<tokenUrl>\n  https://login.example.org/oauth\n"
			"</tokenUrl>"),
	},
};

const struct review_rule_pack review_pack_secrets = {
	.name = "secrets",
	.summary = "committed credentials: cloud keys, forge and service "
		   "tokens, private keys, passwords in URLs (masked in output)",
	.rules = review_pack_secrets_rules,
	.nr_rules = sizeof(review_pack_secrets_rules) /
		    sizeof(review_pack_secrets_rules[0]),
	.skip_paths = REVIEW_STRV("package-lock.json", "npm-shrinkwrap.json",
				  "yarn.lock", "pnpm-lock.yaml", "*.lock",
				  "go.sum", "packages.lock.json",
				  "gradle.lockfile"),
};
