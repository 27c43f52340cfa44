// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title Payout
/// @notice Pays a stablecoin held by this contract to many holders in bounded batches. Each batch
/// is tagged (distribution id, batch number) in its events and can be paid only once, so a retry
/// after a crash or a timeout can never pay twice.
contract Payout is AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant PAYER_ROLE = keccak256("PAYER_ROLE");
    uint256 public constant MAX_BATCH = 200;

    IERC20 public immutable stablecoin;
    mapping(bytes32 distributionId => mapping(uint32 batchNumber => bool)) public batchPaid;

    event Paid(bytes32 indexed distributionId, uint32 indexed batchNumber, address indexed holder, uint256 amount);
    event BatchPaid(
        bytes32 indexed distributionId, uint32 indexed batchNumber, uint256 recipients, uint256 total, address agent
    );
    event Withdrawn(address indexed to, uint256 amount, address indexed agent);

    error ZeroAddress();
    error BatchAlreadyPaid(bytes32 distributionId, uint32 batchNumber);
    error BatchTooLarge(uint256 size, uint256 max);
    error EmptyBatch();
    error LengthMismatch();
    error InsufficientFunds(uint256 available, uint256 needed);

    constructor(address stablecoin_, address admin) {
        if (stablecoin_ == address(0) || admin == address(0)) revert ZeroAddress();
        stablecoin = IERC20(stablecoin_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAYER_ROLE, admin);
    }

    function payBatch(
        bytes32 distributionId,
        uint32 batchNumber,
        address[] calldata holders,
        uint256[] calldata amounts
    ) external onlyRole(PAYER_ROLE) {
        uint256 n = holders.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (amounts.length != n) revert LengthMismatch();
        if (batchPaid[distributionId][batchNumber]) revert BatchAlreadyPaid(distributionId, batchNumber);
        batchPaid[distributionId][batchNumber] = true;
        uint256 total = 0;
        for (uint256 i = 0; i < n; ++i) {
            total += amounts[i];
        }
        uint256 available = stablecoin.balanceOf(address(this));
        if (total > available) revert InsufficientFunds(available, total);
        for (uint256 i = 0; i < n; ++i) {
            stablecoin.safeTransfer(holders[i], amounts[i]);
            emit Paid(distributionId, batchNumber, holders[i], amounts[i]);
        }
        emit BatchPaid(distributionId, batchNumber, n, total, _msgSender());
    }

    function withdraw(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        stablecoin.safeTransfer(to, amount);
        emit Withdrawn(to, amount, _msgSender());
    }
}
