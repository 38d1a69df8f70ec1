package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/authd/authd/adapters/aesgcm"
	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/ports"
)

// Names under which generated secrets are kept in the database.
const (
	secretSigningSeed = "jwt_ed25519_seed"
	secretRefreshKey  = "refresh_hmac_key"
	secretSealKey     = "aes256gcm_key"
)

// signingKeys returns the access-token keys: AUTH_JWT_SECRET (HS256), the PEM files of
// AUTH_JWT_KEYS, or — with neither — an Ed25519 key generated once and kept in the
// database, so that restarts and every instance on that database share it.
func signingKeys(ctx context.Context, cfg Config, secrets ports.SecretStore, logger *slog.Logger) (*jwt.KeySet, error) {
	switch {
	case cfg.JWTSecret != "":
		ks, err := jwt.HMACKeySet([]byte(cfg.JWTSecret))
		if err != nil {
			return nil, fmt.Errorf("AUTH_JWT_SECRET: %w", err)
		}
		return ks, nil
	case len(cfg.JWTKeys) > 0:
		ks, err := jwt.LoadKeys(cfg.JWTKeys)
		if err != nil {
			return nil, fmt.Errorf("AUTH_JWT_KEYS: %w", err)
		}
		logger.Info("signing keys loaded", "kids", ks.KeyIDs())
		return ks, nil
	}
	seed, err := generated(ctx, secrets, secretSigningSeed, jwt.GenerateEd25519Seed)
	if err != nil {
		return nil, databaseError(cfg, "read the generated signing key from", err)
	}
	ks, err := jwt.Ed25519KeySet(seed)
	if err != nil {
		return nil, fmt.Errorf("generated signing key: %w", err)
	}
	logger.Warn("using the Ed25519 signing key generated into the database; production should set AUTH_JWT_KEYS (see `authd keygen`)", "kid", ks.KeyIDs()[0])
	return ks, nil
}

// refreshKey returns AUTH_REFRESH_KEY, or a 32-byte key generated once and kept in
// the database.
func refreshKey(ctx context.Context, cfg Config, secrets ports.SecretStore, logger *slog.Logger) ([]byte, error) {
	if len(cfg.RefreshKey) > 0 {
		return cfg.RefreshKey, nil
	}
	key, err := generated(ctx, secrets, secretRefreshKey, jwt.GenerateRefreshKey)
	if err != nil {
		return nil, databaseError(cfg, "read the generated refresh key from", err)
	}
	logger.Warn("using the refresh-token key generated into the database; production should set AUTH_REFRESH_KEY")
	return key, nil
}

// sealer returns the AES-256-GCM sealer of secrets at rest under
// AUTH_ENCRYPTION_KEY, or under a key generated once and kept in the database.
func sealer(ctx context.Context, cfg Config, secrets ports.SecretStore, logger *slog.Logger) (*aesgcm.Sealer, error) {
	key := []byte(cfg.EncryptionKey)
	if len(key) == 0 {
		var err error
		if key, err = generated(ctx, secrets, secretSealKey, aesgcm.GenerateKey); err != nil {
			return nil, databaseError(cfg, "read the generated encryption key from", err)
		}
		logger.Warn("using the encryption key generated into the database; production should set AUTH_ENCRYPTION_KEY, kept apart from the database")
	}
	s, err := aesgcm.New(key)
	if err != nil {
		return nil, fmt.Errorf("AUTH_ENCRYPTION_KEY: %w", err)
	}
	return s, nil
}

// generated returns the secret stored under name, storing a new one from generate
// first if there is none; of instances starting at once, the first writer wins.
func generated(ctx context.Context, secrets ports.SecretStore, name string, generate func() ([]byte, error)) ([]byte, error) {
	candidate, err := generate()
	if err != nil {
		return nil, err
	}
	return secrets.Secret(ctx, name, candidate)
}
