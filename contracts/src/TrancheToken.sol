// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

interface IIdentityRegistry {
    function isVerified(address wallet) external view returns (bool);
    function investorOf(address wallet) external view returns (bytes32);
}

/// @title TrancheToken
/// @notice One class of notes as a permissioned ERC-20 (ERC-3643 / T-REX style, reduced):
/// only wallets that the identity registry verifies may receive tokens, or send them in
/// ordinary transfers. Agents hold separate roles for minting, burning, pausing, freezing
/// (whole wallets or part of a balance), forced transfers and wallet recovery. Every agent
/// action emits its own event besides the ERC-20 Transfer.
contract TrancheToken is ERC20, AccessControl, Pausable {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant BURNER_ROLE = keccak256("BURNER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant FREEZER_ROLE = keccak256("FREEZER_ROLE");
    bytes32 public constant FORCED_TRANSFER_ROLE = keccak256("FORCED_TRANSFER_ROLE");
    bytes32 public constant RECOVERY_ROLE = keccak256("RECOVERY_ROLE");
    uint256 public constant MAX_BATCH = 100;

    uint8 private immutable _decimals;
    IIdentityRegistry public identityRegistry;
    mapping(address wallet => bool) public isFrozen;
    mapping(address wallet => uint256) public frozenTokens;

    event IdentityRegistrySet(address indexed registry, address indexed agent);
    event Minted(address indexed to, uint256 amount, address indexed agent);
    event Burned(address indexed from, uint256 amount, address indexed agent);
    event AddressFrozen(address indexed wallet, bool indexed frozen, address indexed agent);
    event TokensFrozen(address indexed wallet, uint256 amount, address indexed agent);
    event TokensUnfrozen(address indexed wallet, uint256 amount, address indexed agent);
    event ForcedTransfer(address indexed from, address indexed to, uint256 amount, address agent);
    event WalletRecovered(
        address indexed lostWallet,
        address indexed newWallet,
        bytes32 indexed investorId,
        uint256 amount,
        uint256 frozenAmount,
        bool walletFrozen,
        address agent
    );

    error ZeroAddress();
    error WalletNotVerified(address wallet);
    error WalletIsFrozen(address wallet);
    error InsufficientUnfrozenBalance(address wallet, uint256 available, uint256 needed);
    error FreezeExceedsBalance(address wallet, uint256 balance, uint256 frozenAfter);
    error UnfreezeExceedsFrozen(address wallet, uint256 frozen, uint256 amount);
    error BatchTooLarge(uint256 size, uint256 max);
    error LengthMismatch();
    error RecoveryInvestorMismatch(address lostWallet, address newWallet, bytes32 investorId);
    error NothingToRecover(address lostWallet);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address registry_, address admin)
        ERC20(name_, symbol_)
    {
        if (admin == address(0) || registry_ == address(0)) revert ZeroAddress();
        _decimals = decimals_;
        identityRegistry = IIdentityRegistry(registry_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit IdentityRegistrySet(registry_, admin);
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function setIdentityRegistry(address registry_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (registry_ == address(0)) revert ZeroAddress();
        identityRegistry = IIdentityRegistry(registry_);
        emit IdentityRegistrySet(registry_, _msgSender());
    }

    // ---- reads the back office uses to explain a refusal before sending anything

    function unfrozenBalanceOf(address wallet) public view returns (uint256) {
        uint256 balance = balanceOf(wallet);
        uint256 frozen = frozenTokens[wallet];
        return balance > frozen ? balance - frozen : 0;
    }

    // ---- ordinary transfers: paused, frozen, unverified and frozen-amount checks

    function transfer(address to, uint256 value) public override returns (bool) {
        _checkTransfer(_msgSender(), to, value);
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _checkTransfer(from, to, value);
        return super.transferFrom(from, to, value);
    }

    function batchTransfer(address[] calldata to, uint256[] calldata amounts) external {
        _checkBatch(to.length, amounts.length);
        for (uint256 i = 0; i < to.length; ++i) {
            transfer(to[i], amounts[i]);
        }
    }

    function _checkTransfer(address from, address to, uint256 value) internal view {
        _requireNotPaused();
        if (isFrozen[from]) revert WalletIsFrozen(from);
        if (isFrozen[to]) revert WalletIsFrozen(to);
        if (!identityRegistry.isVerified(from)) revert WalletNotVerified(from);
        if (!identityRegistry.isVerified(to)) revert WalletNotVerified(to);
        uint256 free = unfrozenBalanceOf(from);
        if (value > free) revert InsufficientUnfrozenBalance(from, free, value);
    }

    // ---- mint and burn

    function mint(address to, uint256 amount) public onlyRole(MINTER_ROLE) {
        if (!identityRegistry.isVerified(to)) revert WalletNotVerified(to);
        if (isFrozen[to]) revert WalletIsFrozen(to);
        _mint(to, amount);
        emit Minted(to, amount, _msgSender());
    }

    function batchMint(address[] calldata to, uint256[] calldata amounts) external onlyRole(MINTER_ROLE) {
        _checkBatch(to.length, amounts.length);
        for (uint256 i = 0; i < to.length; ++i) {
            mint(to[i], amounts[i]);
        }
    }

    /// @notice Burn; frozen tokens are burned only after an explicit, evented unfreeze of the shortfall.
    function burn(address from, uint256 amount) external onlyRole(BURNER_ROLE) {
        _releaseFrozenShortfall(from, amount);
        _burn(from, amount);
        emit Burned(from, amount, _msgSender());
    }

    // ---- pause

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---- freezing

    function setAddressFrozen(address wallet, bool frozen) public onlyRole(FREEZER_ROLE) {
        isFrozen[wallet] = frozen;
        emit AddressFrozen(wallet, frozen, _msgSender());
    }

    function batchSetAddressFrozen(address[] calldata wallets, bool[] calldata frozen)
        external
        onlyRole(FREEZER_ROLE)
    {
        _checkBatch(wallets.length, frozen.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            setAddressFrozen(wallets[i], frozen[i]);
        }
    }

    function freezePartialTokens(address wallet, uint256 amount) external onlyRole(FREEZER_ROLE) {
        uint256 balance = balanceOf(wallet);
        uint256 after_ = frozenTokens[wallet] + amount;
        if (after_ > balance) revert FreezeExceedsBalance(wallet, balance, after_);
        frozenTokens[wallet] = after_;
        emit TokensFrozen(wallet, amount, _msgSender());
    }

    function unfreezePartialTokens(address wallet, uint256 amount) external onlyRole(FREEZER_ROLE) {
        uint256 frozen = frozenTokens[wallet];
        if (amount > frozen) revert UnfreezeExceedsFrozen(wallet, frozen, amount);
        frozenTokens[wallet] = frozen - amount;
        emit TokensUnfrozen(wallet, amount, _msgSender());
    }

    // ---- forced transfer and recovery

    /// @notice Move tokens without the holder's consent (court order, error correction). The
    /// receiver must be verified and not frozen; works while paused and from a frozen wallet. If
    /// the amount reaches into frozen tokens, the shortfall is unfrozen first with TokensUnfrozen.
    function forcedTransfer(address from, address to, uint256 amount) public onlyRole(FORCED_TRANSFER_ROLE) {
        if (!identityRegistry.isVerified(to)) revert WalletNotVerified(to);
        if (isFrozen[to]) revert WalletIsFrozen(to);
        _releaseFrozenShortfall(from, amount);
        _transfer(from, to, amount);
        emit ForcedTransfer(from, to, amount, _msgSender());
    }

    function batchForcedTransfer(address[] calldata from, address[] calldata to, uint256[] calldata amounts)
        external
        onlyRole(FORCED_TRANSFER_ROLE)
    {
        _checkBatch(from.length, amounts.length);
        if (to.length != from.length) revert LengthMismatch();
        for (uint256 i = 0; i < from.length; ++i) {
            forcedTransfer(from[i], to[i], amounts[i]);
        }
    }

    /// @notice Move the whole balance, the frozen amount and the frozen flag from a lost wallet to
    /// the investor's new wallet, which the registry must already verify for the same investor.
    function recoverWallet(address lostWallet, address newWallet, bytes32 investorId)
        external
        onlyRole(RECOVERY_ROLE)
    {
        if (newWallet == address(0)) revert ZeroAddress();
        if (!identityRegistry.isVerified(newWallet)) revert WalletNotVerified(newWallet);
        bytes32 lostInvestor = identityRegistry.investorOf(lostWallet);
        if (
            investorId == bytes32(0) || identityRegistry.investorOf(newWallet) != investorId
                || (lostInvestor != bytes32(0) && lostInvestor != investorId)
        ) revert RecoveryInvestorMismatch(lostWallet, newWallet, investorId);
        uint256 amount = balanceOf(lostWallet);
        bool walletFrozen = isFrozen[lostWallet];
        if (amount == 0 && !walletFrozen) revert NothingToRecover(lostWallet);
        uint256 frozenAmount = frozenTokens[lostWallet];
        frozenTokens[lostWallet] = 0;
        frozenTokens[newWallet] += frozenAmount;
        if (walletFrozen) isFrozen[newWallet] = true;
        if (amount > 0) _transfer(lostWallet, newWallet, amount);
        emit WalletRecovered(lostWallet, newWallet, investorId, amount, frozenAmount, walletFrozen, _msgSender());
    }

    // ---- internals

    function _releaseFrozenShortfall(address wallet, uint256 amount) private {
        uint256 free = unfrozenBalanceOf(wallet);
        if (amount > free) {
            uint256 frozen = frozenTokens[wallet];
            uint256 release = amount - free;
            if (release > frozen) release = frozen; // the ERC-20 balance check then reverts
            frozenTokens[wallet] = frozen - release;
            emit TokensUnfrozen(wallet, release, _msgSender());
        }
    }

    function _checkBatch(uint256 n, uint256 m) private pure {
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (n != m) revert LengthMismatch();
    }
}
